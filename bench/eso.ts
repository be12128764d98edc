// External Secrets Operator (ESO) doing our operator's service-principal job, measured the same
// way (issue 16): N ExternalSecrets whose SecretStore's webhook provider POSTs a client_credentials
// grant to the fake identity platform's token endpoint, each keeping the access token in a Secret,
// refreshed as often as our operator refreshes the fake's tokens. ESO runs as its own process
// (scripts/build-eso.sh builds it; missing, this throws saying so) against the running control plane.
//
// API, for bench/credentials.ts (`--peer eso`) and bench/eso-run.ts:
//
//   const eso = await findEso();                       // before starting anything: fails loudly if unbuilt
//   const audit = await auditFlags(dir);               // bench/audit.ts: logs ESO_USER's (PEER_USER's) writes
//   const cp = await startControlPlane({ apiServerArgs: audit.args });
//   const result = await runEsoPeer({ cp, fake, n, dir, auditLogPath, concurrency: workers, eso });
//   console.log(formatEsoResult(result));
//
// runEsoPeer installs ESO's CRDs, creates the namespace `eso` (o.namespace), the client secret,
// the SecretStore and N ExternalSecrets (not timed), starts ESO with `--concurrent` = concurrency,
// and measures: seconds from its start until N Secrets hold a token; its API writes per object
// (kube-apiserver's audit log, user o.user: the audit policy must log that user's writes);
// token endpoint requests per object (the fake's request log); peak RSS (VmHWM). Then it stops ESO,
// starts it again, waits until its metrics show N reconciles and an empty queue, and counts the
// writes and token requests of the restart. It stops ESO before returning; the objects stay.
import { request } from "node:https";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { pino } from "pino";
import { loadKubeConfig } from "../src/kube/client.ts";
import { Informer } from "../src/kube/informer.ts";
import { nextRefreshAt, refreshBeforeMs } from "../src/controller/microsoft-credential/tokens.ts";
import type { Credential } from "../src/controller/microsoft-credential/types.ts";
import type { ControlPlane } from "../test/harness/control-plane.ts";
import { installCrds } from "../test/harness/crds.ts";
import { userKubeconfig } from "../test/harness/kubeconfig.ts";
import { freePorts } from "../test/harness/ports.ts";
import { world } from "../test/fakes/index.ts";
import { countUserWrites, ESO_USER, type UserWrites } from "./eso-audit.ts";
import { reconciledAll, startEsoProcess, type EsoProcess } from "./eso-process.ts";
import { createEsoWorkload, MANAGED_LABEL, TOKEN_KEY, type EsoInstall } from "./eso-setup.ts";
import type { FakeProcess } from "./fake-process.ts";
import { settled } from "./workload.ts";

export { findEso, ESO_VERSION, type EsoInstall } from "./eso-setup.ts";
export { ESO_USER } from "./eso-audit.ts";

export interface EsoPeerOptions {
  readonly cp: Pick<ControlPlane, "kubeconfigPath" | "server" | "pki">;
  readonly fake: Pick<FakeProcess, "url" | "caPath" | "control">;
  /** ExternalSecrets to create. */
  readonly n: number;
  /** A work folder: ESO's logs (eso.log) go here. */
  readonly dir: string;
  /** kube-apiserver's audit log; its policy must log `user`'s writes. */
  readonly auditLogPath: string;
  /** ESO's --concurrent: the operator's --workers. */
  readonly concurrency: number;
  /** From findEso(). */
  readonly eso: EsoInstall;
  /** The user ESO runs as (a client certificate, group system:masters). Default ESO_USER. */
  readonly user?: string;
  /** Every ExternalSecret's refreshInterval. Default: our operator's period for the fake's tokens. */
  readonly refreshSeconds?: number;
  /** Default "eso". */
  readonly namespace?: string;
  /** More ESO flags; default none (its defaults, e.g. --client-qps=50 --client-burst=100). */
  readonly extraArgs?: readonly string[];
}

export interface EsoPeerResult {
  readonly n: number;
  readonly refreshSeconds: number;
  /** From ESO's start until every target Secret holds a token. */
  readonly readySeconds: number;
  /** ESO's writes until it had reconciled all N (audit log). */
  readonly first: UserWrites;
  readonly tokenRequests: number;
  readonly peakRssMb: number;
  /** The same, from its restart until it had reconciled all N again. */
  readonly restart: UserWrites;
  readonly restartTokenRequests: number;
  readonly restartPeakRssMb: number;
}

/**
 * Our operator's refresh period, in seconds, for a token of the fake's lifetime: what
 * nextRefreshAt gives a credential with the default refreshBefore (15 min). The lifetime is asked
 * of the fake itself (one client_credentials request: reset the fake's request log after).
 */
export async function operatorRefreshSeconds(fake: EsoPeerOptions["fake"]): Promise<number> {
  const { clientId, secret } = world.apps.reporting;
  const answer = await postForm(tokenUrl(fake), await readFile(fake.caPath, "utf8"), {
    grant_type: "client_credentials",
    client_id: clientId,
    client_secret: secret,
    scope: "https://graph.microsoft.com/.default",
  });
  const lifetimeMs = (JSON.parse(answer) as { expires_in: number }).expires_in * 1000;
  // Only spec.refreshBefore is read: unset, as in the benchmark's credentials.
  const before = refreshBeforeMs({ spec: {} } as unknown as Credential);
  return Math.round(nextRefreshAt(lifetimeMs, 0, before) / 1000);
}

const tokenUrl = (fake: EsoPeerOptions["fake"]): string => `${fake.url}/${world.tenant.id}/oauth2/v2.0/token`;

function postForm(url: string, ca: string, form: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", ca, headers: { "content-type": "application/x-www-form-urlencoded" } });
    req.on("error", reject);
    req.on("response", (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      res.on("end", () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${url}: ${body}`))));
    });
    req.end(new URLSearchParams(form).toString());
  });
}

/** Names of the target Secrets holding a token, kept up to date from a watch (no polling of N objects). */
function watchTokens(o: EsoPeerOptions, namespace: string): { holding: Set<string>; stop: () => Promise<void> } {
  type Secret = { metadata?: { name?: string }; data?: Record<string, string> };
  const informer = new Informer<Secret>({
    kubeConfig: loadKubeConfig({ inCluster: false, kubeconfig: o.cp.kubeconfigPath }),
    logger: pino({ level: "warn" }),
    path: `/api/v1/namespaces/${namespace}/secrets`,
    labelSelector: MANAGED_LABEL,
  });
  const holding = new Set<string>();
  const track = (s: Secret): void => {
    if ((s.data?.[TOKEN_KEY] ?? "") !== "") holding.add(s.metadata?.name ?? "");
    else holding.delete(s.metadata?.name ?? "");
  };
  informer.on("add", track);
  informer.on("update", track);
  informer.start();
  return { holding, stop: () => informer.stop() };
}

/** Waits until ESO has reconciled `n` ExternalSecrets with an empty queue, then 2 s for late writes. */
async function quiet(eso: EsoProcess, n: number, what: string): Promise<void> {
  await settled({
    what,
    check: async () => reconciledAll(await eso.metrics(), n),
    exited: eso.exited,
  });
  await new Promise((resolve) => setTimeout(resolve, 2000));
}

/** Installs ESO's CRDs and creates the workload; returns how to start ESO (as `user`). */
async function prepare(
  o: EsoPeerOptions,
  namespace: string,
  user: string,
  refreshSeconds: number,
): Promise<() => Promise<EsoProcess>> {
  const admin = loadKubeConfig({ inCluster: false, kubeconfig: o.cp.kubeconfigPath });
  await installCrds(o.cp.kubeconfigPath, o.eso.crdFiles);
  const { clientId, secret } = world.apps.reporting;
  await createEsoWorkload(admin, {
    namespace,
    n: o.n,
    tokenUrl: tokenUrl(o.fake),
    caPem: await readFile(o.fake.caPath, "utf8"),
    clientId,
    clientSecret: secret,
    refreshSeconds,
  });
  const kubeconfig = await userKubeconfig(o.cp, { user, groups: ["system:masters"] });
  const [metricsPort] = (await freePorts(1)) as [number];
  return () =>
    startEsoProcess({
      ...o.eso,
      extraArgs: o.extraArgs ?? [],
      kubeconfig,
      metricsPort,
      concurrent: o.concurrency,
      logFile: join(o.dir, "eso.log"),
    });
}

/** Runs ESO on N ExternalSecrets, then restarts it; see the header. */
export async function runEsoPeer(o: EsoPeerOptions): Promise<EsoPeerResult> {
  const namespace = o.namespace ?? "eso";
  const user = o.user ?? ESO_USER;
  const refreshSeconds = o.refreshSeconds ?? (await operatorRefreshSeconds(o.fake));
  const start = await prepare(o, namespace, user, refreshSeconds);
  const tokens = watchTokens(o, namespace);
  let eso: EsoProcess | undefined;
  try {
    await o.fake.control.resetRequests();
    const before = await countUserWrites(o.auditLogPath, user);
    const began = performance.now();
    eso = await start();
    const running = eso;
    await settled({
      what: `${o.n} Secrets holding a token`,
      check: () => tokens.holding.size >= o.n,
      exited: running.exited,
    });
    const readySeconds = (performance.now() - began) / 1000;
    await quiet(eso, o.n, "ESO to reconcile every ExternalSecret");
    const first = await countUserWrites(o.auditLogPath, user, before.position);
    const tokenRequests = await o.fake.control.requestCount({ endpoint: "token" });
    const peakRssMb = await eso.peakRssMb(); // VmHWM: the peak since it started, read before it exits
    await eso.stop();

    await o.fake.control.resetRequests();
    eso = await start();
    await quiet(eso, o.n, "the restarted ESO to reconcile every ExternalSecret");
    const restart = await countUserWrites(o.auditLogPath, user, first.position);
    const restartTokenRequests = await o.fake.control.requestCount({ endpoint: "token" });
    const restartPeakRssMb = await eso.peakRssMb();
    return {
      n: o.n,
      refreshSeconds,
      readySeconds,
      first,
      tokenRequests,
      peakRssMb,
      restart,
      restartTokenRequests,
      restartPeakRssMb,
    };
  } finally {
    await eso?.stop();
    await tokens.stop();
  }
}

/** The RESULT line: per-object figures are the first run's; restart figures are totals. */
export function formatEsoResult(r: EsoPeerResult): string {
  const per = (x: number): string => (x / r.n).toFixed(2);
  return [
    `RESULT peer=eso objects=${r.n}`,
    `ready_s=${r.readySeconds.toFixed(2)}`,
    `writes_per_object=${per(r.first.writes)}`,
    `token_requests_per_object=${per(r.tokenRequests)}`,
    `restart_writes=${r.restart.writes}`,
    `restart_token_requests=${r.restartTokenRequests}`,
    `peak_rss_mb=${r.peakRssMb.toFixed(0)}`,
    `secrets=${per(r.first.secrets)} status=${per(r.first.status)} other=${per(r.first.other)}`,
    `events_per_object=${per(r.first.events)} restart_events=${r.restart.events}`,
    `restart_peak_rss_mb=${r.restartPeakRssMb.toFixed(0)} refresh_s=${r.refreshSeconds}`,
  ].join(" ");
}
