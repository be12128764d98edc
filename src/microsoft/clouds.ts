import type { Cloud } from "../crds/index.ts";

/** Where a Microsoft cloud lives (docs/design/microsoft.md, "Clouds"). msal ignores AZURE_AUTHORITY_HOST. */
export interface CloudEndpoints {
  /** https://login.microsoftonline.com */
  readonly authorityHost: string;
  /** Base URL for Graph calls, e.g. https://graph.microsoft.com/v1.0 */
  readonly graphBaseUrl: string;
  /** The resource a Graph token is issued for (scope `<resource>/.default`). */
  readonly graphResource: string;
  /** The resource a Power BI token is issued for. */
  readonly powerBiResource: string;
}

const CLOUDS: Readonly<Record<Cloud, CloudEndpoints>> = {
  Public: {
    authorityHost: "https://login.microsoftonline.com",
    graphBaseUrl: "https://graph.microsoft.com/v1.0",
    graphResource: "https://graph.microsoft.com",
    powerBiResource: "https://analysis.windows.net/powerbi/api",
  },
  USGovernment: {
    authorityHost: "https://login.microsoftonline.us",
    graphBaseUrl: "https://graph.microsoft.us/v1.0",
    graphResource: "https://graph.microsoft.us",
    powerBiResource: "https://analysis.usgovcloudapi.net/powerbi/api",
  },
  USGovernmentDoD: {
    authorityHost: "https://login.microsoftonline.us",
    graphBaseUrl: "https://dod-graph.microsoft.us/v1.0",
    graphResource: "https://dod-graph.microsoft.us",
    powerBiResource: "https://analysis.usgovcloudapi.net/powerbi/api",
  },
  China: {
    authorityHost: "https://login.partner.microsoftonline.cn",
    graphBaseUrl: "https://microsoftgraph.chinacloudapi.cn/v1.0",
    graphResource: "https://microsoftgraph.chinacloudapi.cn",
    powerBiResource: "https://analysis.chinacloudapi.cn/powerbi/api",
  },
};

/** Operator-wide overrides (sovereign or private clouds, tests). */
export type EndpointOverrides = Partial<CloudEndpoints>;

export function endpointsFor(cloud: Cloud, overrides: EndpointOverrides = {}): CloudEndpoints {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return { ...CLOUDS[cloud], ...defined };
}

/** True for the hosts msal knows (no instance discovery for them). */
export function isKnownMicrosoftHost(authorityHost: string): boolean {
  return Object.values(CLOUDS).some((c) => c.authorityHost === authorityHost);
}

/** True for the origin of a Graph endpoint of a Microsoft cloud. */
export function isKnownGraphHost(origin: string): boolean {
  return Object.values(CLOUDS).some((c) => new URL(c.graphBaseUrl).origin === origin);
}
