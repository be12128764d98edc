// The gateway's metrics, on a registry of its own (served at --metrics-address).
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** What became of a request: passed, passed filtered, refused by policy, or answered by the gateway itself. */
export type Outcome = "allow" | "filter" | "refuse" | "unauthenticated" | "forbidden" | "unavailable" | "error";

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<"decision" | "reason">;
  readonly #upstream: Histogram<"api">;
  readonly #added: Histogram;

  constructor() {
    const registers = [this.registry];
    this.#requests = new Counter({
      name: "cloudcredentials_gateway_requests_total",
      help: "Requests to the gateway, by decision (allow, filter, refuse, unauthenticated, forbidden, unavailable, error) and reason.",
      labelNames: ["decision", "reason"],
      registers,
    });
    this.#upstream = new Histogram({
      name: "cloudcredentials_gateway_upstream_seconds",
      help: "Time Graph or Power BI took to answer (to the headers; with the body when the gateway reads it).",
      labelNames: ["api"],
      registers,
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    });
    this.#added = new Histogram({
      name: "cloudcredentials_gateway_added_seconds",
      help: "Time the gateway added to a request: authentication, authorization, locating, deciding and filtering.",
      registers,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    });
    collectDefaultMetrics({ register: this.registry, prefix: "cloudcredentials_gateway_" });
  }

  count(decision: Outcome, reason = ""): void {
    this.#requests.inc({ decision, reason });
  }

  observeUpstream(api: "graph" | "powerbi", seconds: number): void {
    this.#upstream.observe({ api }, seconds);
  }

  observeAdded(seconds: number): void {
    this.#added.observe(Math.max(0, seconds));
  }
}
