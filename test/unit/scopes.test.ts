import { describe, expect, it } from "vitest";
import { endpointsFor } from "../../src/microsoft/clouds.ts";
import { graphScopes, missingScopes, powerBiScopes } from "../../src/microsoft/scopes.ts";

describe("delegated scopes", () => {
  it("maps the API's scopes to Graph permissions of the credential's cloud, always with User.Read", () => {
    expect(graphScopes(["OneDrive", "Excel", "Calendar"], endpointsFor("Public"))).toEqual([
      "https://graph.microsoft.com/Calendars.ReadWrite",
      "https://graph.microsoft.com/Files.ReadWrite",
      "https://graph.microsoft.com/User.Read",
    ]);
    expect(graphScopes(["List", "UserDirectory", "PowerBI"], endpointsFor("USGovernment"))).toEqual([
      "https://graph.microsoft.us/Sites.ReadWrite.All",
      "https://graph.microsoft.us/User.Read",
      "https://graph.microsoft.us/User.Read.All",
    ]);
    expect(powerBiScopes(endpointsFor("China"))).toEqual(["https://analysis.chinacloudapi.cn/powerbi/api/.default"]);
  });

  it("finds what was asked for and not granted, qualified or not, in any case", () => {
    const required = graphScopes(["OneDrive", "Calendar"], endpointsFor("Public"));
    expect(missingScopes(required, ["https://graph.microsoft.com/calendars.readwrite", "User.Read", "openid"])).toEqual(
      ["https://graph.microsoft.com/Files.ReadWrite"],
    );
    expect(missingScopes(required, ["Files.ReadWrite", "Calendars.ReadWrite", "User.Read"])).toEqual([]);
  });
});
