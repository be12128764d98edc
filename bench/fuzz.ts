// npm run bench:fuzz -- [--count N] [--dry-run M] [--seed S]
// The longer fuzzing run: N generated MicrosoftCredential and AccessList specs (default 20000)
// through the zod schemas (each refused with a message or parsed), then M of them (default 1000)
// through a local control plane's API server with server-side dry run, judged as the integration
// test does (test/fuzz/admission.ts): accepted and readable by the operator as stored, or refused
// with a 422 naming a field; where zod accepts, only a CEL rule may refuse. Prints a RESULT line;
// exits 1 when any object was judged a problem (the first ones are printed with the seed).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { accessListSpecSchema, microsoftCredentialSpecSchema } from "../src/crds/index.ts";
import { loadKubeConfig } from "../src/kube/client.ts";
import { requestJson } from "../src/kube/raw-request.ts";
import { judge, mapLimit, submit, tally } from "../test/fuzz/admission.ts";
import { generateObjects, Rng } from "../test/fuzz/generate.ts";
import { startControlPlane } from "../test/harness/control-plane.ts";
import { chartCrdFiles } from "../test/harness/crds.ts";
import { parseOptions, printUsage, usageError } from "./options.ts";

const USAGE = `usage: npm run bench:fuzz -- [--count N] [--dry-run M] [--seed S]

Generates N MicrosoftCredential and AccessList specs, parses each with the zod schemas, then sends
the first M to a local control plane's API server as server-side dry runs and judges the answers
(test/fuzz/admission.ts). Prints a RESULT line; exits 1 when any object was judged a problem.

options:
  --count N     specs to generate (an integer ≥ 1; default 20000)
  --dry-run M   of those, how many go to the API server (an integer ≥ 0; default 1000; 0: no control plane)
  --seed S      the generator's seed, to replay a run (an integer; default: from the time and pid)
  -h, --help    print this and exit`;

const values = parseOptions(
  USAGE,
  () =>
    parseArgs({
      options: {
        count: { type: "string", default: "20000" },
        "dry-run": { type: "string", default: "1000" },
        seed: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values,
);
if (values.help) printUsage(USAGE);
const count = Number(values.count);
const dryRunCount = Number(values["dry-run"]);
if (!Number.isInteger(count) || count < 1) usageError(USAGE, `--count must be an integer ≥ 1, got ${values.count}`);
if (!Number.isInteger(dryRunCount) || dryRunCount < 0)
  usageError(USAGE, `--dry-run must be an integer ≥ 0, got ${values["dry-run"]}`);
if (!Number.isInteger(Number(values.seed ?? 0))) usageError(USAGE, `--seed must be an integer, got ${values.seed}`);
const seed = values.seed === undefined ? (Date.now() ^ (process.pid << 16)) >>> 0 : Number(values.seed) >>> 0;
console.log(
  `seed ${String(seed)} (replay: npm run bench:fuzz -- --count ${String(count)} --dry-run ${String(dryRunCount)} --seed ${String(seed)})`,
);

// 1. zod: every spec is parsed, or refused with issues that carry messages; nothing else is thrown.
const zodStart = performance.now();
const objects = generateObjects(new Rng(seed), count, { hostileNames: true });
let zodAccepted = 0;
const zodProblems: string[] = [];
for (const g of objects) {
  const schema = g.kind === "MicrosoftCredential" ? microsoftCredentialSpecSchema : accessListSpecSchema;
  try {
    const parsed = schema.safeParse(g.spec);
    if (parsed.success) zodAccepted++;
    else if (!(parsed.error instanceof z.ZodError) || parsed.error.issues.some((i) => i.message.trim() === ""))
      zodProblems.push(`${g.name}: an issue without a message`);
  } catch (error) {
    zodProblems.push(`${g.name}: threw ${String(error)}`);
  }
}
const zodSeconds = (performance.now() - zodStart) / 1000;
console.log(
  `zod: ${String(count)} specs in ${zodSeconds.toFixed(2)} s, ${String(zodAccepted)} accepted, ${String(zodProblems.length)} problems`,
);

// 2. The API server: a sample (the first M; they mix both kinds), server-side dry run.
const dir = await mkdtemp(join(tmpdir(), "ccop-bench-fuzz-"));
let exitCode = zodProblems.length > 0 ? 1 : 0;
try {
  let dryRun = "dry_run=0";
  if (dryRunCount > 0) {
    console.log(`starting the control plane (work folder ${dir})`);
    const cp = await startControlPlane({ crdFiles: await chartCrdFiles(), logDir: join(dir, "logs") });
    try {
      const kc = loadKubeConfig({ inCluster: false, kubeconfig: cp.kubeconfigPath });
      await requestJson(kc, "/api/v1/namespaces", {
        method: "POST",
        body: { apiVersion: "v1", kind: "Namespace", metadata: { name: "fuzz" } },
      });
      const sample = objects.slice(0, dryRunCount);
      const start = performance.now();
      const answers = await mapLimit(sample, 8, (g) => submit(kc, "fuzz", g, true));
      const seconds = (performance.now() - start) / 1000;
      const t = tally(
        sample,
        sample.map((g, i) => judge(g, answers[i] ?? { kind: "rejected", code: 0, message: "no answer" })),
      );
      for (const p of t.problems.slice(0, 10))
        console.log(`PROBLEM ${p.kind} ${p.name}: ${p.problem}\n  spec: ${p.spec}`);
      if (t.problems.length > 0) exitCode = 1;
      dryRun = `dry_run=${String(sample.length)} accepted=${String(t.accepted)} rejected=${String(t.rejected)} cel_only=${String(t.celOnly)} disagreements=${String(t.disagreements)} problems=${String(t.problems.length)} dry_run_s=${seconds.toFixed(2)}`;
    } finally {
      await cp.stop();
    }
  }
  console.log(
    `RESULT kind=fuzz seed=${String(seed)} count=${String(count)} zod_accepted=${String(zodAccepted)} zod_rejected=${String(count - zodAccepted)} zod_problems=${String(zodProblems.length)} zod_s=${zodSeconds.toFixed(2)} ${dryRun}`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
process.exit(exitCode);
