// The control API as methods. The /_fake/ HTTP routes call exactly these, so a test in-process
// and a person with curl drive the fake the same way.
import { appView } from "./app-model.ts";
import type { FakeContext } from "./context.ts";
import { createDelegatedControl, type DelegatedControl } from "./control-delegated.ts";
import { errorCatalogue } from "./errors.ts";
import { createGraphControl, type FakeGraphControl } from "./graph/control.ts";
import type { GraphState } from "./graph/state.ts";
import type {
  AppInput,
  AppPatch,
  AppView,
  ClockView,
  FailureInput,
  FailureView,
  RequestFilter,
  RequestRecord,
  SecretInput,
  TenantInput,
  TenantView,
} from "./types.ts";

export interface FakeIdentityControl extends DelegatedControl, FakeGraphControl {
  /** Registers (or replaces) a tenant. */
  addTenant(input: TenantInput): TenantView;
  /**
   * Turns the tenant's Conditional Access policy "Block device code flow" on (or off with
   * `blocked: false`): its people's device-code sign-ins, and refreshes of what a device code
   * brought them, answer AADSTS53003; the browser sign-in keeps working.
   */
  blockDeviceCodeFlow(tenant: string, blocked?: boolean): TenantView;
  tenants(): TenantView[];
  /** Registers (or replaces) an app in a registered tenant. */
  addApp(input: AppInput): AppView;
  app(clientId: string): AppView | undefined;
  apps(): AppView[];
  /** Changes some fields of an app (e.g. roles, certificates, federationTrusts, lifetime). */
  updateApp(clientId: string, patch: AppPatch): AppView;
  /** Deletes an app: its clients then get AADSTS700016. */
  removeApp(clientId: string): boolean;
  /** Adds a secret beside the others (the overlap of a rotation). */
  addSecret(clientId: string, secret: SecretInput): { readonly keyId: string };
  /** Replaces every secret of the app. */
  replaceSecrets(clientId: string, secrets: readonly SecretInput[]): AppView;
  removeSecret(clientId: string, keyId: string): boolean;
  /** Makes `<uri>/.default` a valid scope (Graph and Power BI are there from the start). */
  addResource(uri: string): void;
  resources(): string[];
  /** Answers the next `count` matching requests with a failure; returns its id. */
  injectFailure(input: FailureInput): string;
  failures(): FailureView[];
  clearFailures(): void;
  /** Requests since the last reset matching the filter (no endpoint = every endpoint). */
  requestCount(filter?: RequestFilter): number;
  requestCounters(): { readonly key: RequestFilter; readonly count: number }[];
  /** The last 200 requests, oldest first, without secrets. */
  requests(filter?: RequestFilter): RequestRecord[];
  resetRequests(): void;
  clock(): ClockView;
  /**
   * Moves the fake's clock forward: secrets, certificates, device codes and refresh tokens
   * (inactivity) expire against it.
   */
  advanceClock(seconds: number): ClockView;
  /** Back to the state of a new fake: default resources only, no tenants or users, no codes (device or authorization) or tokens, default settings, real time, an empty Graph. */
  reset(): void;
  errorClasses(): typeof errorCatalogue;
}

export function createControl(context: FakeContext, graph: GraphState): FakeIdentityControl {
  const { directory, failures, log, clock } = context;
  const clockView = (): ClockView => ({
    now: new Date(clock.now()).toISOString(),
    offsetSeconds: clock.offsetSeconds(),
  });
  const graphControl = createGraphControl(graph);
  return {
    ...createDelegatedControl(context),
    ...graphControl,
    addTenant: (input) => directory.addTenant(input),
    blockDeviceCodeFlow: (tenant, blocked = true) => directory.blockDeviceCodeFlow(tenant, blocked),
    tenants: () => directory.tenants(),
    addApp: (input) => directory.addApp(input),
    app: (clientId) => {
      const app = directory.findApp(clientId);
      return app === undefined ? undefined : appView(app);
    },
    apps: () => directory.apps(),
    updateApp: (clientId, patch) => directory.updateApp(clientId, patch),
    removeApp: (clientId) => directory.removeApp(clientId),
    addSecret: (clientId, secret) => directory.addSecret(clientId, secret),
    replaceSecrets: (clientId, secrets) => directory.replaceSecrets(clientId, secrets),
    removeSecret: (clientId, keyId) => directory.removeSecret(clientId, keyId),
    addResource: (uri) => directory.addResource(uri),
    resources: () => directory.resources(),
    injectFailure: (input) => failures.inject(input),
    failures: () => failures.list(),
    clearFailures: () => failures.clear(),
    requestCount: (filter) => log.count(filter),
    requestCounters: () => log.counters(),
    requests: (filter) => log.recent(filter),
    resetRequests: () => log.reset(),
    clock: clockView,
    advanceClock: (seconds) => {
      clock.advance(seconds);
      return clockView();
    },
    reset: () => {
      directory.reset();
      context.deviceCodes.clear();
      context.refreshTokens.clear();
      context.authorizationCodes.clear();
      context.settings.reset();
      failures.clear();
      log.reset();
      clock.reset();
      graphControl.resetGraph();
    },
    errorClasses: () => errorCatalogue,
  };
}
