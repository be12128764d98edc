// `npm run fake-microsoft [-- --host 127.0.0.1 --port 8443 --seed --dns-name graph.microsoft.com]`:
// the fake identity platform as a process, for trying the operator by hand (and for the benchmark).
// `--host` is the IPv4 address it listens on and its certificate names (default 127.0.0.1; a kind
// network's gateway for Pods to reach it, docs/kind.md). `--dns-name` (repeatable) adds a DNS name
// to its certificate (rclone reaching it as graph.microsoft.com: bench/rclone-notes.md). `--seed`
// registers the one SIMULATED world (test/fixtures/world.ts).
// Stops on SIGINT/SIGTERM.
import { parseArgs } from "node:util";
import { world, seedWorld } from "../fixtures/world.ts";
import { assertFakeHost, startFakeIdentity } from "./server.ts";

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "0" },
      seed: { type: "boolean", default: false },
      "dns-name": { type: "string", multiple: true, default: [] },
    },
  });
  assertFakeHost(values.host, "--host");
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be a port number, got ${values.port}`);
  const fake = await startFakeIdentity({ host: values.host, port, dnsNames: values["dns-name"] });
  out("This is a SIMULATED Microsoft identity platform (test fake), not Microsoft.");
  out(`url:      ${fake.url}`);
  out(`CA:       ${fake.caPath}`);
  out(`control:  ${fake.url}/_fake/ (see test/fakes/README.md)`);
  if (values.seed) {
    seedWorld(fake);
    const { tenant, apps, users } = world;
    out(
      `seeded:   tenant ${tenant.id} (${tenant.domains.join(", ")}), app ${apps.reporting.clientId} with the demo secret from test/fakes/README.md`,
    );
    out(
      `public client ${apps.signIn.clientId} (device code), users ${users.ada.userPrincipalName} and ${users.megan.userPrincipalName}`,
    );
    out(`sign-in page: ${fake.verificationUri}`);
    out(`authority: ${fake.authority(tenant.id)}  knownAuthorities: ["${fake.host}"]`);
  }
  const stop = (signal: string): void => {
    out(`${signal}: stopping`);
    fake.close().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`close failed: ${String(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`fake-microsoft: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
