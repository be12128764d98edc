import { describe, expect, it } from "vitest";
import { CLOUDS } from "../../src/crds/index.ts";
import { authorityConfig } from "../../src/microsoft/authority.ts";
import { endpointsFor } from "../../src/microsoft/clouds.ts";

describe("clouds", () => {
  it.each([
    [
      "Public",
      "https://login.microsoftonline.com",
      "https://graph.microsoft.com",
      "https://analysis.windows.net/powerbi/api",
    ],
    [
      "USGovernment",
      "https://login.microsoftonline.us",
      "https://graph.microsoft.us",
      "https://analysis.usgovcloudapi.net/powerbi/api",
    ],
    [
      "USGovernmentDoD",
      "https://login.microsoftonline.us",
      "https://dod-graph.microsoft.us",
      "https://analysis.usgovcloudapi.net/powerbi/api",
    ],
    [
      "China",
      "https://login.partner.microsoftonline.cn",
      "https://microsoftgraph.chinacloudapi.cn",
      "https://analysis.chinacloudapi.cn/powerbi/api",
    ],
  ] as const)(
    "%s signs in at %s, and gets tokens for %s and %s",
    (cloud, authorityHost, graphResource, powerBiResource) => {
      expect(endpointsFor(cloud)).toMatchObject({
        authorityHost,
        graphResource,
        powerBiResource,
        graphBaseUrl: `${graphResource}/v1.0`,
      });
    },
  );

  it("covers every cloud of the API", () => {
    for (const cloud of CLOUDS) expect(endpointsFor(cloud).authorityHost).toMatch(/^https:\/\//);
  });

  it("lets the operator's overrides win (private clouds, tests), ignoring unset ones", () => {
    expect(endpointsFor("Public", { authorityHost: "https://127.0.0.1:8443", graphBaseUrl: undefined })).toMatchObject({
      authorityHost: "https://127.0.0.1:8443",
      graphBaseUrl: "https://graph.microsoft.com/v1.0",
    });
  });

  it("skips instance discovery only for hosts msal does not know", () => {
    expect(authorityConfig(endpointsFor("Public"), "contoso.onmicrosoft.com")).toMatchObject({
      authority: "https://login.microsoftonline.com/contoso.onmicrosoft.com",
      knownAuthorities: [],
    });
    expect(
      authorityConfig(endpointsFor("Public", { authorityHost: "https://127.0.0.1:8443" }), "t").knownAuthorities,
    ).toEqual(["127.0.0.1:8443"]);
    const metadata = JSON.parse(authorityConfig(endpointsFor("China"), "t").authorityMetadata ?? "{}") as Record<
      string,
      string
    >;
    expect(metadata["token_endpoint"]).toBe("https://login.partner.microsoftonline.cn/t/oauth2/v2.0/token");
    expect(metadata["issuer"]).toBe("https://login.partner.microsoftonline.cn/t/v2.0");
  });
});
