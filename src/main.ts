// Process entry: which program this process is. `node src/main.ts` runs the operator
// (src/operator-main.ts), `node src/main.ts gateway [options]` the Graph gateway (src/gateway/main.ts,
// ADR 12) and `node src/main.ts sync [options]` one pass of a FolderSync (src/sync/main.ts, ADR 15).
// Each is imported only when chosen: a sync Job's pass does not pay for loading the operator.
const argv = process.argv.slice(2);
if (argv[0] === "gateway") {
  const { runGateway } = await import("./gateway/main.ts");
  await runGateway(argv.slice(1));
  process.exit(0);
} else if (argv[0] === "sync") {
  const { runSync } = await import("./sync/main.ts");
  process.exit(await runSync(argv.slice(1)));
} else {
  await import("./operator-main.ts");
}
