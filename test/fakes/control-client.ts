// The control API (/_fake/…) over HTTP, for a fake in another process (`npm run fake-microsoft`, the
// benchmark's, the e2e suite's). Each method has the signature of the in-process method of the same
// name (FakeIdentityControl), answering a Promise, and calls the route README.md lists for it. Only
// the methods someone uses: add one the same way (a line each).
import { Agent, request } from "undici";
import type { FakeIdentityControl } from "./control.ts";
import type { GraphRequestFilter } from "./graph/types.ts";
import type { RequestFilter } from "./types.ts";

type Remote<K extends keyof FakeIdentityControl> = {
  readonly [P in K]: FakeIdentityControl[P] extends (...args: infer A) => infer R ? (...args: A) => Promise<R> : never;
};

export type FakeControlClient = Remote<
  | "addApp"
  | "revokeUserTokens"
  | "requestCount"
  | "resetRequests"
  | "updateDelegatedSettings"
  | "deviceCodes"
  | "pendingDeviceCodes"
  | "approveDeviceCode"
  | "authorize"
  | "blockDeviceCodeFlow"
  | "addDriveItem"
  | "moveDriveItem"
  | "updateDriveItemContent"
  | "expireDeltaTokens"
  | "addDriveTree"
  | "changeDriveTree"
  | "injectGraphThrottle"
  | "clearGraphThrottles"
  | "graphRequestCount"
  | "resetGraphRequests"
> & {
  /** Closes the client's connections (the fake keeps running). */
  close(): Promise<void>;
};

/** A route answered 4xx or 5xx: `status`, and the fake's message (a 400 carries the AADSTS text of a refused sign-in). */
export class FakeControlError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = "FakeControlError";
    this.status = status;
  }
}

function query(filter: RequestFilter | GraphRequestFilter = {}): string {
  const pairs = Object.entries(filter).filter((entry): entry is [string, string] => typeof entry[1] === "string");
  return pairs.length === 0 ? "" : `?${new URLSearchParams(pairs).toString()}`;
}

/** A client for the fake at `url` (`https://127.0.0.1:<port>`), trusting its CA (`caPem`, the PEM text). */
export function connectFakeControl(o: { readonly url: string; readonly caPem: string }): FakeControlClient {
  const dispatcher = new Agent({ connect: { ca: o.caPem } });
  const call = async <T>(method: "GET" | "POST" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<T> => {
    const response = await request(`${o.url}/_fake/${path}`, {
      method,
      dispatcher,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
    });
    const text = await response.body.text();
    if (response.statusCode >= 400)
      throw new FakeControlError(
        response.statusCode,
        `${method} /_fake/${path}: ${String(response.statusCode)} ${text}`,
      );
    return JSON.parse(text) as T;
  };
  const user = (ref: string): string => `users/${encodeURIComponent(ref)}`;
  return {
    addApp: (input) => call("POST", "apps", input),
    revokeUserTokens: (ref) => call("POST", `${user(ref)}/revoke`),
    requestCount: async (filter) => (await call<{ count: number }>("GET", `requests${query(filter)}`)).count,
    resetRequests: async () => void (await call("DELETE", "requests")),
    updateDelegatedSettings: (patch) => call("PATCH", "settings", patch),
    deviceCodes: () => call("GET", "devicecodes"),
    pendingDeviceCodes: () => call("GET", "devicecodes/pending"),
    approveDeviceCode: ({ userCode, ...rest }) =>
      call("POST", `devicecodes/${encodeURIComponent(userCode)}/approve`, rest),
    authorize: (input) => call("POST", "authorize", input),
    blockDeviceCodeFlow: (tenant, blocked = true) =>
      call("POST", `tenants/${encodeURIComponent(tenant)}/block-device-code-flow`, { blocked }),
    addDriveItem: (input) => call("POST", "graph/items", input),
    moveDriveItem: (input) => call("POST", "graph/items/move", input),
    updateDriveItemContent: (input) => call("POST", "graph/items/content", input),
    expireDeltaTokens: async (input) => void (await call("POST", "graph/delta-expiry", input)),
    addDriveTree: (input) => call("POST", "graph/trees", input),
    changeDriveTree: (input) => call("POST", "graph/trees/changes", input),
    injectGraphThrottle: async (input) => (await call<{ id: string }>("POST", "graph/throttles", input)).id,
    clearGraphThrottles: async () => void (await call("DELETE", "graph/throttles")),
    graphRequestCount: async (filter) => (await call<{ count: number }>("GET", `graph/requests${query(filter)}`)).count,
    resetGraphRequests: async () => void (await call("DELETE", "graph/requests")),
    close: () => dispatcher.close(),
  };
}
