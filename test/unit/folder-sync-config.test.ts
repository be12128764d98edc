// The operator's FolderSync options: flags and CCO_* variables, their defaults, what is refused.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, usage } from "../../src/config.ts";

const base = ["--kubeconfig", "/dev/null"];

describe("the FolderSync options", () => {
  it("read --sync-image, --gateway-url, --gateway-audience and --sync-ca-bundle, or their CCO_* variables", () => {
    const flags = loadConfig(
      [...base, "--sync-image", "reg/cco:1", "--gateway-url", "https://gw.cco.svc", "--sync-ca-bundle", "/ca.pem"],
      {},
    );
    expect(flags).toMatchObject({ syncImage: "reg/cco:1", gatewayUrl: "https://gw.cco.svc", syncCaBundle: "/ca.pem" });
    const env = loadConfig(base, {
      CCO_SYNC_IMAGE: "reg/cco:2",
      CCO_GATEWAY_URL: "https://gw.example:8443",
      CCO_GATEWAY_AUDIENCE: "my-gateway",
    });
    expect(env).toMatchObject({
      syncImage: "reg/cco:2",
      gatewayUrl: "https://gw.example:8443",
      gatewayAudience: "my-gateway",
    });
  });

  it("default to no sync image and no gateway (FolderSyncs are then SyncNotConfigured) and the gateway's own audience", () => {
    const config = loadConfig(base, {});
    expect(config.syncImage).toBeUndefined();
    expect(config.gatewayUrl).toBeUndefined();
    expect(config.gatewayAudience).toBe("cloudcredentials.io/gateway");
  });

  it("refuse a gateway URL that is not https (a Job's token would cross the network in clear)", () => {
    expect(() => loadConfig([...base, "--gateway-url", "http://gw.cco.svc"], {})).toThrow(ConfigError);
  });

  it("are listed by --help with their variables", () => {
    for (const line of [
      "--sync-image  CCO_SYNC_IMAGE",
      "--gateway-url  CCO_GATEWAY_URL",
      "--sync-ca-bundle  CCO_SYNC_CA_BUNDLE",
    ])
      expect(usage()).toContain(line);
  });
});
