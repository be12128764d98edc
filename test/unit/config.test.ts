import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, parseDuration, usage } from "../../src/config.ts";

const base = ["--kubeconfig", "/tmp/kubeconfig"];

describe("loadConfig", () => {
  it("has defaults for everything but how to reach Kubernetes", () => {
    expect(loadConfig(base, {})).toMatchObject({ kubeconfig: "/tmp/kubeconfig", inCluster: false, cloud: "Public", leaderElect: true, namespaces: [], requestTimeout: 30_000, workers: 4, httpAddress: ":8080" });
  });

  it("reads CCO_* environment variables, flags winning", () => {
    const config = loadConfig([...base, "--log-level", "debug"], { CCO_LOG_LEVEL: "warn", CCO_NAMESPACES: "a, b", CCO_LEADER_ELECT: "false", CCO_REQUEST_TIMEOUT: "1m30s" });
    expect(config).toMatchObject({ logLevel: "debug", namespaces: ["a", "b"], leaderElect: false, requestTimeout: 90_000 });
  });

  it.each([
    [["--cloud", "Mars"], "--cloud (or CCO_CLOUD)"],
    [["--request-timeout", "soon"], "--request-timeout (or CCO_REQUEST_TIMEOUT): must be a duration such as 30s"],
    [["--microsoft-client-id", "my-app"], "--microsoft-client-id (or CCO_MICROSOFT_CLIENT_ID): must be the application (client) id GUID"],
    [["--authority-host", "http://login.example"], "--authority-host (or CCO_AUTHORITY_HOST): must be an https URL"],
    [["--leader-elect", "yes"], "--leader-elect (or CCO_LEADER_ELECT): must be true or false"],
    [["--http-address", "8080"], "--http-address (or CCO_HTTP_ADDRESS): must be host:port"],
    [["--workers", "0"], "--workers (or CCO_WORKERS)"],
    [["--bogus", "1"], "Unknown option '--bogus'"],
  ])("rejects %j with a message naming the option", (args, message) => {
    expect(() => loadConfig([...base, ...args], {})).toThrow(ConfigError);
    expect(() => loadConfig([...base, ...args], {})).toThrow(message);
  });

  it("asks to choose between in-cluster and a kubeconfig, never guessing", () => {
    expect(() => loadConfig([], {})).toThrow("choose how to reach Kubernetes: --in-cluster (inside a pod) or --kubeconfig PATH (outside)");
    expect(() => loadConfig([...base, "--in-cluster", "true"], {})).toThrow("choose how to reach Kubernetes");
    expect(loadConfig(["--in-cluster", "true"], {}).inCluster).toBe(true);
  });

  it("lists every option with its environment variable in --help", () => {
    expect(usage()).toContain("--microsoft-client-id  CCO_MICROSOFT_CLIENT_ID");
    expect(usage()).toContain("--leader-elect  CCO_LEADER_ELECT (default true)");
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
