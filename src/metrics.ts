import type { INetworkModule } from "@azure/msal-node";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type MetricType } from "prom-client";
import { conditionOf } from "./controller/conditions.ts";
import type { ObserveReconcile } from "./controller/controller.ts";
import type { RawCredential } from "./controller/microsoft-credential/index.ts";

export interface MetricSources {
  /** The credentials in the cache, read at scrape time: deleted objects leave no series. */
  credentials(): Iterable<RawCredential>;
  /** Keys waiting in each work queue, by its `controller` label. */
  queueDepths(): Iterable<readonly [controller: string, depth: number]>;
}

/** An RFC 3339 time as Unix seconds; undefined when absent or unreadable. */
const seconds = (time: string | undefined): number | undefined => {
  const ms = Date.parse(time ?? "");
  return Number.isNaN(ms) ? undefined : ms / 1000;
};

/** The namespace, name and tenant type labels of a credential's series. */
function labelsOf(c: RawCredential): { namespace: string; name: string; tenant_type: string } {
  const spec = (c.spec ?? {}) as { tenantType?: string };
  return { namespace: c.metadata?.namespace ?? "", name: c.metadata?.name ?? "", tenant_type: spec.tenantType ?? "" };
}

/** A gauge with one series per credential: its name, help and how to read its value. */
interface CredentialGauge {
  readonly name: string;
  readonly help: string;
  /** No series for a credential when undefined. */
  readonly value: (c: RawCredential) => number | undefined;
  /** With it, also a `reason` label: this condition's reason. */
  readonly reasonOf?: "Ready" | "Broken";
}

/** The per-credential gauges of docs/design/api.md, in the order they are registered. */
const CREDENTIAL_GAUGES: readonly CredentialGauge[] = [
  // Ready's reason tells a refresh failing (RefreshFailing) from a sign-in waiting (SignInPending).
  {
    name: "cloudcredentials_credential_ready",
    help: "1 when a valid access token for every requested resource is in the token Secret, with Ready's reason.",
    value: (c) => (conditionOf(c.status?.conditions, "Ready")?.status === "True" ? 1 : 0),
    reasonOf: "Ready",
  },
  {
    name: "cloudcredentials_credential_broken",
    help: "1 when a person must act, with the reason.",
    value: (c) => (conditionOf(c.status?.conditions, "Broken")?.status === "True" ? 1 : 0),
    reasonOf: "Broken",
  },
  {
    name: "cloudcredentials_access_token_expiry_timestamp_seconds",
    help: "When the access token in the token Secret expires.",
    value: (c) => seconds(c.status?.accessTokenExpiresAt),
  },
  {
    name: "cloudcredentials_reauthenticate_by_timestamp_seconds",
    help: "When the refresh token would expire by inactivity.",
    value: (c) => seconds(c.status?.reauthenticateBy),
  },
];

/** A label value as the text exposition format writes it: backslash, double quote and newline escaped. */
const escaped = (value: string): string => value.replace(/[\\"\n]/g, (ch) => (ch === "\n" ? "\\n" : `\\${ch}`));

/** A credential's series labels, with the condition's reason when the gauge has a `reason` label. */
function seriesLabelsOf(c: RawCredential, reasonOf: CredentialGauge["reasonOf"]): string {
  const { namespace, name, tenant_type } = labelsOf(c);
  const reason = reasonOf ? `,reason="${escaped(conditionOf(c.status?.conditions, reasonOf)?.reason ?? "")}"` : "";
  return `namespace="${escaped(namespace)}",name="${escaped(name)}",tenant_type="${escaped(tenant_type)}"${reason}`;
}

/** Series per chunk of the per-credential text: what a scrape holds at once besides the cache. */
const SERIES_PER_CHUNK = 500;

/**
 * A per-credential gauge as exposition text, read from the cache a chunk at a time. Not a
 * prom-client Gauge: at 10,000 credentials, setting 40,000 series afresh at each scrape and
 * rendering them as one string took about 24 MB of RSS for the moment of the scrape (ADR 5).
 */
function* credentialGaugeText(sources: MetricSources, gauge: CredentialGauge): Generator<string> {
  const { name, help, value, reasonOf } = gauge;
  let chunk = `# HELP ${name} ${help}\n# TYPE ${name} gauge\n`;
  let series = 0;
  for (const c of sources.credentials()) {
    const v = value(c);
    if (v === undefined) continue;
    chunk += `${name}{${seriesLabelsOf(c, reasonOf)}} ${String(v)}\n`;
    if (++series % SERIES_PER_CHUNK === 0) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk !== "") yield chunk;
}

/** Registers the gauge of keys waiting in each controller's work queue, read at scrape time. */
function registerWorkqueueDepthGauge(registry: Registry, sources: MetricSources): void {
  new Gauge({
    name: "cloudcredentials_workqueue_depth",
    help: "Keys waiting in a controller's work queue.",
    labelNames: ["controller"],
    registers: [registry],
    collect() {
      for (const [controller, depth] of sources.queueDepths()) this.set({ controller }, depth);
    },
  });
}

/**
 * docs/design/api.md's metrics: the per-credential gauges as text read from the cache at each
 * scrape (`credentialSeries`, served first), the rest on a prom-client registry of their own.
 */
export class OperatorMetrics {
  readonly registry = new Registry();
  readonly tokenRequests: Counter<"grant" | "result">;
  readonly reconcileDuration: Histogram<"controller" | "result">;
  readonly #sources: MetricSources;

  /** Registers the gauges read from `sources` at scrape time, the counters the operator updates, and Node's own. */
  constructor(sources: MetricSources) {
    this.#sources = sources;
    const registers = [this.registry];
    registerWorkqueueDepthGauge(this.registry, sources);
    this.tokenRequests = new Counter({
      name: "cloudcredentials_token_requests_total",
      help: "Requests to the Microsoft token endpoint.",
      labelNames: ["grant", "result"],
      registers,
    });
    this.reconcileDuration = new Histogram({
      name: "cloudcredentials_reconcile_duration_seconds",
      help: "Time spent in one reconcile.",
      labelNames: ["controller", "result"],
      registers,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    });
    collectDefaultMetrics({ register: this.registry, prefix: "cloudcredentials_" });
  }

  /** The per-credential gauges' exposition text, a chunk at a time (served before the registry's). */
  *credentialSeries(): Generator<string> {
    for (const gauge of CREDENTIAL_GAUGES) yield* credentialGaugeText(this.#sources, gauge);
  }

  /** Every metric served: the per-credential gauges, then the registry's. */
  async served(): Promise<{ name: string; type: MetricType | string }[]> {
    const registered = await this.registry.getMetricsAsJSON();
    return [
      ...CREDENTIAL_GAUGES.map((g) => ({ name: g.name, type: "gauge" })),
      ...registered.map((m) => ({ name: m.name, type: m.type })),
    ];
  }

  /** Observes one reconcile (or publish) of a controller's work queue. */
  readonly observeReconcile: ObserveReconcile = (controller, seconds, result) =>
    this.reconcileDuration.observe({ controller, result }, seconds);

  /** Wraps msal's network client to count token requests by grant and result. */
  countingTokenRequests(network: INetworkModule): INetworkModule {
    const counter = this.tokenRequests;
    return {
      sendGetRequestAsync: (url, options, timeout) => network.sendGetRequestAsync(url, options, timeout),
      async sendPostRequestAsync(url, options) {
        const grant = /(?:^|&)grant_type=([^&]*)/.exec(options?.body ?? "")?.[1] ?? "none";
        try {
          const response = await network.sendPostRequestAsync(url, options);
          const result = response.status === 200 ? "success" : response.status === 429 ? "throttled" : "error";
          if (url.includes("/oauth2/v2.0/token")) counter.inc({ grant: decodeURIComponent(grant), result });
          return response as never;
        } catch (error) {
          if (url.includes("/oauth2/v2.0/token"))
            counter.inc({ grant: decodeURIComponent(grant), result: "network_error" });
          throw error;
        }
      },
    };
  }
}
