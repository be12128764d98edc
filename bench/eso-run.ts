// npx node bench/eso-run.ts [--objects N] [--workers W] [--eso-arg=--flag=value ...]
// ESO alone (bench/eso.ts), for trying the peer benchmark without the operator's run: starts a
// control plane with an audit log of ESO's writes and the fake identity platform, runs runEsoPeer
// and prints its RESULT line. `npm run bench -- --peer eso` runs it beside the operator.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startControlPlane } from "../test/harness/control-plane.ts";
import { auditFlags } from "./audit.ts";
import { findEso, formatEsoResult, runEsoPeer } from "./eso.ts";
import { startFakeProcess } from "./fake-process.ts";
import { parseOptions, printUsage, usageError } from "./options.ts";

const USAGE = `usage: npx node bench/eso-run.ts [--objects N] [--workers W] [--eso-arg F ...]

Runs External Secrets Operator (built by scripts/build-eso.sh) on N ExternalSecrets whose webhook
SecretStore gets a token from the SIMULATED identity platform, then restarts it; prints a RESULT line.

options:
  --objects N   ExternalSecrets to create (a positive integer; default 100)
  --workers W   ESO's --concurrent (a positive integer; default 4, the operator's --workers)
  --eso-arg F   one more flag for ESO, e.g. --eso-arg=--client-qps=1000 (repeatable; default: ESO's defaults)
  -h, --help    print this and exit`;

const values = parseOptions(
  USAGE,
  () =>
    parseArgs({
      options: {
        objects: { type: "string", default: "100" },
        workers: { type: "string", default: "4" },
        "eso-arg": { type: "string", multiple: true, default: [] },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values,
);
if (values.help) printUsage(USAGE);
const n = Number(values.objects);
const workers = Number(values.workers);
if (!Number.isInteger(n) || n < 1) usageError(USAGE, `--objects must be a positive integer, got ${values.objects}`);
if (!Number.isInteger(workers) || workers < 1)
  usageError(USAGE, `--workers must be a positive integer, got ${values.workers}`);

const eso = await findEso(); // before anything starts: an unbuilt ESO fails here, naming the script
const dir = await mkdtemp(join(tmpdir(), "ccop-bench-eso-"));
const audit = await auditFlags(dir);
console.log(`starting the control plane and the fake identity platform (work folder ${dir})`);
const cp = await startControlPlane({ apiServerArgs: audit.args, logDir: join(dir, "logs") });
const fake = await startFakeProcess();
try {
  const extraArgs = values["eso-arg"];
  console.log(`ESO: ${n} ExternalSecrets, --concurrent ${workers} ${extraArgs.join(" ")}`);
  const result = await runEsoPeer({
    cp,
    fake,
    n,
    dir,
    auditLogPath: audit.logPath,
    concurrency: workers,
    eso,
    extraArgs,
  });
  console.log(formatEsoResult(result));
} finally {
  await fake.stop();
  await cp.stop();
  if (process.env["KEEP_BENCH_DIR"] === undefined) await rm(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
}
