import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, parseDuration, usage } from "../../src/config.ts";

const base = ["--kubeconfig", "/tmp/kubeconfig"];

describe("loadConfig", () => {
  it("has defaults for everything but how to reach Kubernetes", () => {
    expect(loadConfig(base, {})).toMatchObject({
      kubeconfig: "/tmp/kubeconfig",
      inCluster: false,
      cloud: "Public",
      leaderElect: true,
      namespaces: [],
      requestTimeout: 15_000,
      workers: 4,
      httpAddress: ":8080",
    });
    expect(loadConfig(base, {})).toMatchObject({
      leaseDuration: 60_000,
      renewDeadline: 40_000,
      retryPeriod: 2000,
      accessListResync: 3_600_000,
    });
    expect(loadConfig(base, {})).toMatchObject({
      workloadIdentityAudiences: ["api://AzureADTokenExchange"],
      allowedTenants: [],
      allowedAccountDomains: [],
      requireAccount: false,
    });
  });

  it("reads CCO_* environment variables, flags winning", () => {
    const config = loadConfig([...base, "--log-level", "debug"], {
      CCO_LOG_LEVEL: "warn",
      CCO_NAMESPACES: "a, b",
      CCO_LEADER_ELECT: "false",
      CCO_REQUEST_TIMEOUT: "1m30s",
    });
    expect(config).toMatchObject({
      logLevel: "debug",
      namespaces: ["a", "b"],
      leaderElect: false,
      requestTimeout: 90_000,
    });
  });

  it.each([
    [["--cloud", "Mars"], "--cloud (or CCO_CLOUD)"],
    [["--request-timeout", "soon"], "--request-timeout (or CCO_REQUEST_TIMEOUT): must be a duration such as 15s"],
    [
      ["--microsoft-client-id", "my-app"],
      "--microsoft-client-id (or CCO_MICROSOFT_CLIENT_ID): must be the application (client) id GUID",
    ],
    [["--authority-host", "http://login.example"], "--authority-host (or CCO_AUTHORITY_HOST): must be an https URL"],
    [["--leader-elect", "yes"], "--leader-elect (or CCO_LEADER_ELECT): must be true or false"],
    [["--http-address", "8080"], "--http-address (or CCO_HTTP_ADDRESS): must be host:port"],
    [["--workers", "0"], "--workers (or CCO_WORKERS)"],
    [["--bogus", "1"], "Unknown option '--bogus'"],
  ])("rejects %j with a message naming the option", (args, message) => {
    expect(() => loadConfig([...base, ...args], {})).toThrow(ConfigError);
    expect(() => loadConfig([...base, ...args], {})).toThrow(message);
  });

  it.each([
    [["--request-timeout", "0s"], "--request-timeout (or CCO_REQUEST_TIMEOUT): must be between 1s and 5m, got 0s"],
    [["--request-timeout", "10m"], "--request-timeout (or CCO_REQUEST_TIMEOUT): must be between 1s and 5m"],
    [
      ["--access-list-resync", "0s"],
      "--access-list-resync (or CCO_ACCESS_LIST_RESYNC): must be between 1s and 24h, got 0s",
    ],
    [
      ["--access-list-resync", "720h"],
      "--access-list-resync (or CCO_ACCESS_LIST_RESYNC): must be between 1s and 24h, got 720h",
    ],
    [["--lease-duration", "0s"], "--lease-duration (or CCO_LEASE_DURATION): must be between 1s and 1h"],
    [["--lease-duration", "900h"], "--lease-duration (or CCO_LEASE_DURATION): must be between 1s and 1h"],
    [["--retry-period", "0s"], "--retry-period (or CCO_RETRY_PERIOD): must be between 100ms and 10m"],
    [["--renew-deadline", "0ms"], "--renew-deadline (or CCO_RENEW_DEADLINE): must be between 100ms and 1h"],
    [
      ["--lease-duration", "30s", "--renew-deadline", "30s"],
      "--renew-deadline (or CCO_RENEW_DEADLINE): must be shorter than --lease-duration (30s)",
    ],
    [
      ["--renew-deadline", "10s", "--retry-period", "10s"],
      "--retry-period (or CCO_RETRY_PERIOD): must be shorter than --renew-deadline / 1.2 (8s333ms)",
    ],
    [
      ["--lease-duration", "15s", "--renew-deadline", "10s"],
      "--request-timeout (or CCO_REQUEST_TIMEOUT): must be shorter than --lease-duration minus --renew-deadline (5s) when --leader-elect is true",
    ],
    [
      ["--request-timeout", "20s"],
      "--request-timeout (or CCO_REQUEST_TIMEOUT): must be shorter than --lease-duration minus --renew-deadline (20s)",
    ],
  ])("rejects timings out of range or out of step: %j", (args, message) => {
    expect(() => loadConfig([...base, ...args], {})).toThrow(ConfigError);
    expect(() => loadConfig([...base, ...args], {})).toThrow(message);
  });

  it("accepts timings at the edges, and any lease timings when leader election is off", () => {
    expect(loadConfig([...base, "--request-timeout", "1s", "--access-list-resync", "24h"], {})).toMatchObject({
      requestTimeout: 1000,
      accessListResync: 86_400_000,
    });
    expect(
      loadConfig(
        [
          ...base,
          "--lease-duration",
          "15s",
          "--renew-deadline",
          "10s",
          "--retry-period",
          "2s",
          "--request-timeout",
          "4s",
        ],
        {},
      ),
    ).toMatchObject({ leaseDuration: 15_000, requestTimeout: 4000 });
    expect(
      loadConfig(
        [
          ...base,
          "--leader-elect",
          "false",
          "--lease-duration",
          "15s",
          "--renew-deadline",
          "15s",
          "--request-timeout",
          "5m",
        ],
        {},
      ),
    ).toMatchObject({ requestTimeout: 300_000 });
    expect(
      loadConfig([...base], { CCO_LEASE_DURATION: "90s", CCO_RENEW_DEADLINE: "60s", CCO_REQUEST_TIMEOUT: "29s" }),
    ).toMatchObject({ requestTimeout: 29_000 });
  });

  it("reads the sign-in allow-lists: trimmed, tenants and domains lower-cased", () => {
    const config = loadConfig(
      [
        ...base,
        "--allowed-tenants",
        " Contoso.onmicrosoft.com, 72F988BF-86F1-41AF-91AB-2D7CD011DB47 ,consumers",
        "--allowed-account-domains",
        "Contoso.com,outlook.com",
        "--require-account",
        "true",
      ],
      {},
    );
    expect(config).toMatchObject({
      allowedTenants: ["contoso.onmicrosoft.com", "72f988bf-86f1-41af-91ab-2d7cd011db47", "consumers"],
      allowedAccountDomains: ["contoso.com", "outlook.com"],
      requireAccount: true,
    });
    const fromEnv = loadConfig(base, {
      CCO_WORKLOAD_IDENTITY_AUDIENCES: "api://AzureADTokenExchange, api://AzureADTokenExchangeUSGov",
      CCO_REQUIRE_ACCOUNT: "false",
    });
    expect(fromEnv).toMatchObject({
      workloadIdentityAudiences: ["api://AzureADTokenExchange", "api://AzureADTokenExchangeUSGov"],
      requireAccount: false,
    });
  });

  // The chart renders an unset list as an empty value: it means "any", not "an empty entry".
  it("reads an empty CCO_ALLOWED_TENANTS and CCO_ALLOWED_ACCOUNT_DOMAINS as no limit", () => {
    expect(
      loadConfig(["--kubeconfig", "k"], { CCO_ALLOWED_TENANTS: "", CCO_ALLOWED_ACCOUNT_DOMAINS: " " }),
    ).toMatchObject({ allowedTenants: [], allowedAccountDomains: [] });
  });

  it.each([
    [
      ["--workload-identity-audiences", ""],
      "--workload-identity-audiences (or CCO_WORKLOAD_IDENTITY_AUDIENCES): has an empty entry",
    ],
    [
      ["--workload-identity-audiences", "api://AzureADTokenExchange,,x"],
      "--workload-identity-audiences (or CCO_WORKLOAD_IDENTITY_AUDIENCES): has an empty entry",
    ],
    [["--allowed-tenants", "contoso.com,"], "--allowed-tenants (or CCO_ALLOWED_TENANTS): has an empty entry"],
    [
      ["--workload-identity-audiences", "api://a b"],
      `--workload-identity-audiences (or CCO_WORKLOAD_IDENTITY_AUDIENCES): "api://a b" is not an audience`,
    ],
    [
      ["--allowed-tenants", "organizations"],
      "--allowed-tenants (or CCO_ALLOWED_TENANTS): organizations is not a tenant",
    ],
    [
      ["--allowed-tenants", "contoso"],
      `--allowed-tenants (or CCO_ALLOWED_TENANTS): "contoso" is not a tenant id (GUID), a domain such as contoso.onmicrosoft.com, or consumers`,
    ],
    [["--allowed-tenants", "a,"], "--allowed-tenants (or CCO_ALLOWED_TENANTS): has an empty entry"],
    [
      ["--allowed-account-domains", "@contoso.com"],
      `--allowed-account-domains (or CCO_ALLOWED_ACCOUNT_DOMAINS): "@contoso.com" is not a DNS domain`,
    ],
    [["--allowed-account-domains", "contoso..com"], "is not a DNS domain"],
    [["--require-account", "yes"], "--require-account (or CCO_REQUIRE_ACCOUNT): must be true or false"],
  ])("rejects %j with a message naming the option", (args, message) => {
    expect(() => loadConfig([...base, ...args], {})).toThrow(ConfigError);
    expect(() => loadConfig([...base, ...args], {})).toThrow(message);
  });

  it("asks to choose between in-cluster and a kubeconfig, never guessing", () => {
    expect(() => loadConfig([], {})).toThrow(
      "choose how to reach Kubernetes: --in-cluster (inside a pod) or --kubeconfig PATH (outside)",
    );
    expect(() => loadConfig([...base, "--in-cluster", "true"], {})).toThrow("choose how to reach Kubernetes");
    expect(loadConfig(["--in-cluster", "true"], {}).inCluster).toBe(true);
  });

  it("lists every option with its environment variable in --help", () => {
    expect(usage()).toContain("--microsoft-client-id  CCO_MICROSOFT_CLIENT_ID");
    expect(usage()).toContain("--leader-elect  CCO_LEADER_ELECT (default true)");
    expect(usage()).toContain("--request-timeout  CCO_REQUEST_TIMEOUT (default 15s)");
    expect(usage()).toContain("--lease-duration  CCO_LEASE_DURATION (default 60s)");
    expect(usage()).toContain(
      "--workload-identity-audiences  CCO_WORKLOAD_IDENTITY_AUDIENCES (default api://AzureADTokenExchange)",
    );
    expect(usage()).toContain("--require-account  CCO_REQUIRE_ACCOUNT (default false)");
    expect(usage()).toMatch(/^ {2}--allowed-tenants {2}CCO_ALLOWED_TENANTS$/m);
    expect(usage()).toMatch(/^ {2}--allowed-account-domains {2}CCO_ALLOWED_ACCOUNT_DOMAINS$/m);
  });
});

describe("parseDuration", () => {
  it.each([
    ["15m", 900_000],
    ["1h30m", 5_400_000],
    ["500ms", 500],
    ["1.5s", 1500],
    ["15", undefined],
    ["m", undefined],
  ])("%s → %j", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
});
