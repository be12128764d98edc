// npm run bench:gateway -- [--requests N] [--concurrency C] [--stream-mib M]
// The Microsoft Graph gateway's cost (issue 12, docs/adr/0012-graph-gateway.md), measured in one
// run against calling the fake Graph directly with the credential's own token, and beside a bare
// Node TLS proxy (the reference: what forwarding alone costs on this machine). A local control
// plane; the fake Microsoft in a process of its own (the seeded world, plus generated files in the
// finance site's library); the operator as a process, until the credential (a ServicePrincipal with
// a manager) is Ready and its AccessList (one folder) resolved, then stopped; the gateway and the
// bare proxy as processes of their own (production heap flags, TLS); a caller, a ServiceAccount of
// the credential's teams with a token for the gateway's audience. Reports added latency (p50, p99),
// the throughput ratio at a concurrency with each process's CPU per request, and the gateway's RSS
// growth while a large file streams through it, twice (gateway-stream.ts says which path), each
// beside the target; last a RESULT line.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Agent, request, type Dispatcher } from "undici";
import { loadKubeConfig } from "../src/kube/client.ts";
import { startControlPlane, type ControlPlane } from "../test/harness/control-plane.ts";
import { chartCrdFiles } from "../test/harness/crds.ts";
import { startOperatorProcess } from "../test/harness/operator-process.ts";
import { allCpus, pin, splitCpus } from "./cpu-pinning.ts";
import { startFakeProcess, type FakeProcess } from "./fake-process.ts";
import { measureLatency, measureThroughput, type Meters, type Ways } from "./gateway-measure.ts";
import {
  addedHistogramOf,
  childPid,
  cpuMsOf,
  memoryOf,
  startGatewayProcess,
  startPassThroughProcess,
  type GatewayProcess,
} from "./gateway-process.ts";
import { reportGateway, type GatewayMeasured } from "./gateway-report.ts";
import {
  addFile,
  callerToken,
  createWorkload,
  CREDENTIAL,
  FOLDER,
  graphToken,
  NAMESPACE,
  waitUntilResolved,
  type Item,
} from "./gateway-setup.ts";
import { download, sampledDownload } from "./gateway-stream.ts";
import { parseOptions, printUsage, usageError } from "./options.ts";

const USAGE = `usage: npm run bench:gateway -- [--requests N] [--concurrency C] [--stream-mib M]

Measures the Microsoft Graph gateway against calling the SIMULATED Graph (the fake, in a process of
its own) directly with the credential's token, and beside a bare Node TLS proxy, in one run, on a
local control plane: a Ready ServicePrincipal credential with a manager and an AccessList allowing
one folder, the gateway as its own process (TLS), a caller with a ServiceAccount token for the
gateway's audience. Reports the latency the gateway adds to a small GET (p50, p99), requests/s via
the gateway ÷ direct (with each process's CPU per request), and the gateway's RSS growth while a
generated file streams through it; each beside the issue's target (printed, not asserted); last a
RESULT line.

options:
  --requests N      GETs each way (direct, gateway, bare proxy), one after the other for the latency,
                    and again for the throughput (a positive integer; default 2000)
  --concurrency C   requests in flight for the throughput (a positive integer; default 16)
  --stream-mib M    size of the file streamed through the gateway, in MiB (a positive integer; default 1024)
  -h, --help        print this and exit`;

const values = parseOptions(
  USAGE,
  () =>
    parseArgs({
      options: {
        requests: { type: "string", default: "2000" },
        concurrency: { type: "string", default: "16" },
        "stream-mib": { type: "string", default: "1024" },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values,
);
if (values.help) printUsage(USAGE);
const positive = (name: string, text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) usageError(USAGE, `--${name} must be a positive integer, got ${text}`);
  return n;
};
const requests = positive("requests", values.requests);
const concurrency = positive("concurrency", values.concurrency);
const streamBytes = positive("stream-mib", values["stream-mib"]) * 2 ** 20;
/** Downloaded twice before the measured ones: connections and the streaming path exist by then. */
const WARM_BYTES = 16 * 2 ** 20;

interface Files {
  readonly small: Item;
  readonly warm: Item;
  readonly large: Item;
}

/** The files, the credential and its AccessList, made Ready and resolved by the operator (then stopped). */
async function prepare(cp: ControlPlane, fake: FakeProcess, fakeCaPem: string, dir: string): Promise<Files> {
  const admin = loadKubeConfig({ inCluster: false, kubeconfig: cp.kubeconfigPath });
  const files = {
    small: await addFile({ url: fake.url, caPem: fakeCaPem }, `${FOLDER}/notes.docx`, 1024),
    warm: await addFile({ url: fake.url, caPem: fakeCaPem }, `${FOLDER}/warm.bin`, WARM_BYTES),
    large: await addFile({ url: fake.url, caPem: fakeCaPem }, `${FOLDER}/large.bin`, streamBytes),
  };
  await createWorkload(admin);
  const operator = startOperatorProcess(
    [
      ...["--kubeconfig", cp.kubeconfigPath, "--namespaces", NAMESPACE, "--leader-elect", "false"],
      ...["--authority-host", fake.url, "--ca-bundle", fake.caPath, "--graph-base-url", `${fake.url}/v1.0`],
      ...["--http-address", "127.0.0.1:0", "--log-level", "warn"],
    ],
    join(dir, "operator.log"),
  );
  try {
    await waitUntilResolved(admin, operator.exited);
  } finally {
    // Its CPU stays out of the measurement; the access token it wrote is valid for an hour.
    await operator.stop();
  }
  return files;
}

/** What GET …/content answers through the gateway against the fake: where a 302 points (origin and path only: the query is a capability). */
async function contentAnswer(dispatcher: Dispatcher, url: string, token: string): Promise<string> {
  const response = await request(url, { dispatcher, headers: { authorization: `Bearer ${token}` } });
  await response.body.dump();
  const location = response.headers["location"];
  if (typeof location !== "string") return `HTTP ${String(response.statusCode)}, no Location`;
  const target = new URL(location);
  return `HTTP ${String(response.statusCode)} to ${target.origin}${target.pathname}?… (a pre-authenticated URL: the download bypasses the gateway)`;
}

/** CPU ms of the gateway, the bare proxy, the fake and this caller, and the Graph requests the fake served: read around each throughput round. */
async function metersFor(o: {
  fake: FakeProcess;
  dispatcher: Dispatcher;
  pids: { gateway: number; proxy: number };
}): Promise<Meters> {
  const fakePid = await childPid("test/fakes/main.ts");
  const graphRequests = async (): Promise<number> => {
    const response = await request(`${o.fake.url}/_fake/graph/requests`, { dispatcher: o.dispatcher });
    return ((await response.body.json()) as { count: number }).count;
  };
  return {
    "gateway CPU ms": () => cpuMsOf(o.pids.gateway),
    "bare proxy CPU ms": () => cpuMsOf(o.pids.proxy),
    ...(fakePid === undefined ? {} : { "fake CPU ms": () => cpuMsOf(fakePid) }),
    "caller CPU ms": () => {
      const { user, system } = process.cpuUsage();
      return Promise.resolve((user + system) / 1000);
    },
    "Graph requests at the fake": graphRequests,
  };
}

const itemPath = (item: Item, rest = ""): string => `/drives/${item.driveId}/items/${item.id}${rest}`;

/** The latency, throughput and 302 of the gateway against the fake, beside direct calls and the bare proxy. */
async function measureCalls(o: {
  readonly fake: FakeProcess;
  readonly dispatcher: Dispatcher;
  readonly files: Files;
  readonly tokens: { readonly graph: string; readonly caller: string };
  readonly gateway: GatewayProcess;
  readonly proxy: { readonly pid: number; readonly url: string };
}): Promise<Pick<GatewayMeasured, "latency" | "ownView" | "throughput" | "shared" | "contentAnswer">> {
  const { dispatcher, files, tokens } = o;
  const base = `${o.gateway.url}/${NAMESPACE}/${CREDENTIAL}/v1.0`;
  const ways: Ways = {
    direct: { url: `${o.fake.url}/v1.0${itemPath(files.small)}`, token: tokens.graph },
    gateway: { url: `${base}${itemPath(files.small)}`, token: tokens.caller },
    proxy: { url: `${o.proxy.url}/v1.0${itemPath(files.small)}`, token: tokens.graph },
  };
  const warmup = Math.min(200, requests);
  const meters = await metersFor({ fake: o.fake, dispatcher, pids: { gateway: o.gateway.pid, proxy: o.proxy.pid } });
  const pids = { load: [process.pid, await fakePid()], tested: [o.gateway.pid, o.proxy.pid] };
  const split = splitCpus();
  if (split === undefined)
    throw new Error("the gateway benchmark needs at least 2 CPUs: one for the gateway, one for the load");
  for (const pid of pids.load) await pin(pid, split.load);
  for (const pid of pids.tested) await pin(pid, split.tested);
  console.log(
    `CPUs: the gateway and the bare proxy on ${split.tested}, this caller and the fake Graph on ${split.load}`,
  );
  console.log(`latency: ${String(requests)} GETs each way (after ${String(warmup)} not counted)`);
  const before = await addedHistogramOf(o.gateway.metricsUrl);
  const latency = await measureLatency(dispatcher, ways, requests, warmup);
  const after = await addedHistogramOf(o.gateway.metricsUrl);
  console.log(`throughput: ${String(requests)} GETs each way at concurrency ${String(concurrency)}`);
  const throughput = await measureThroughput(dispatcher, ways, { n: requests, concurrency, meters });
  for (const pid of [...pids.load, ...pids.tested]) await pin(pid, allCpus());
  console.log(`throughput again, every process on every CPU (${allCpus()}): the load and the gateway compete`);
  const shared = await measureThroughput(dispatcher, ways, { n: requests, concurrency, meters });
  const contentUrl = `${base}${itemPath(files.large, "/content")}`;
  const ownView = {
    count: after.count - before.count,
    sumMs: after.sumMs - before.sumMs,
    within1Ms: after.within1Ms - before.within1Ms,
    within5Ms: after.within5Ms - before.within5Ms,
  };
  return {
    latency,
    ownView,
    throughput,
    shared,
    contentAnswer: await contentAnswer(dispatcher, contentUrl, tokens.caller),
  };
}

/** The fake Graph's process id (it runs `test/fakes/main.ts`). */
async function fakePid(): Promise<number> {
  const pid = await childPid("test/fakes/main.ts");
  if (pid === undefined) throw new Error("the fake Graph's process was not found: it runs test/fakes/main.ts");
  return pid;
}

async function main(): Promise<void> {
  const load = { start: loadavg()[0] ?? 0, cpus: availableParallelism() };
  const dir = await mkdtemp(join(tmpdir(), "ccop-bench-gateway-"));
  console.log(`starting the control plane and the fake Microsoft (work folder ${dir})`);
  const cp = await startControlPlane({ crdFiles: await chartCrdFiles(), logDir: join(dir, "logs") });
  const fake = await startFakeProcess();
  const stops: (() => Promise<void>)[] = [];
  try {
    const fakeCaPem = await readFile(fake.caPath, "utf8");
    const dispatcher = new Agent({ connect: { ca: [fakeCaPem, await readFile(cp.pki.servingCaCert, "utf8")] } });
    stops.push(() => dispatcher.close());
    console.log(`creating the credential, its AccessList (${FOLDER}) and the files; the operator resolves them`);
    const files = await prepare(cp, fake, fakeCaPem, dir);
    const kc = loadKubeConfig({ inCluster: false, kubeconfig: cp.kubeconfigPath });
    const tokens = { graph: await graphToken(kc), caller: await callerToken(kc) };
    const tls = { certFile: cp.pki.servingCert, keyFile: cp.pki.servingKey };
    const gatewayTo = (graphBaseUrl: string, caBundle: string, log: string): Promise<GatewayProcess> =>
      startGatewayProcess({ kubeconfig: cp.kubeconfigPath, tls, graphBaseUrl, caBundle, logFile: join(dir, log) });
    const proxy = await startPassThroughProcess({ fakeUrl: fake.url, fakeCaFile: fake.caPath, tls });
    stops.push(() => proxy.stop());

    const gateway = await gatewayTo(fake.url, fake.caPath, "gateway.log");
    stops.push(() => gateway.stop());
    const calls = await measureCalls({ fake, dispatcher, files, tokens, gateway, proxy });
    await gateway.stop();

    const streaming = await gatewayTo(proxy.url, cp.pki.servingCaCert, "gateway-stream.log");
    stops.push(() => streaming.stop());
    const stream = await measureStream({ dispatcher, gateway: streaming, proxy, files, token: tokens.caller });
    await streaming.stop();
    reportGateway({ ...calls, stream, load: { ...load, end: loadavg()[0] ?? 0 } });
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await fake.stop();
    await cp.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The large file streamed twice through a gateway whose Graph is the bare proxy (it answers …/content with the bytes), RSS sampled. */
async function measureStream(o: {
  readonly dispatcher: Dispatcher;
  readonly gateway: GatewayProcess;
  readonly proxy: { readonly pid: number };
  readonly files: Files;
  readonly token: string;
}): Promise<GatewayMeasured["stream"]> {
  const base = `${o.gateway.url}/${NAMESPACE}/${CREDENTIAL}/v1.0`;
  for (let i = 0; i < 2; i++)
    await download(o.dispatcher, `${base}${itemPath(o.files.warm, "/content")}`, o.token, WARM_BYTES);
  console.log(
    `streaming ${String(streamBytes / 2 ** 20)} MiB through the gateway (pid ${String(o.gateway.pid)}), sampling its VmRSS`,
  );
  const url = `${base}${itemPath(o.files.large, "/content")}`;
  const memory = (): Promise<Record<string, number>> => memoryOf(o.gateway.metricsUrl);
  const pids = { gateway: o.gateway.pid, proxy: o.proxy.pid };
  const first = await sampledDownload(o.dispatcher, { url, token: o.token, bytes: streamBytes, pids, memory });
  console.log("the same download again: does RSS grow with every download, or once?");
  const again = await sampledDownload(o.dispatcher, { url, token: o.token, bytes: streamBytes, pids, memory });
  return { first, again };
}

await main();
