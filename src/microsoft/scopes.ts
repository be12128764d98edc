import type { Scope } from "../crds/index.ts";
import type { CloudEndpoints } from "./clouds.ts";

/** Delegated Graph permissions per scope of the API (docs/design/microsoft.md, "Scopes"). */
const GRAPH_PERMISSIONS: Readonly<Record<Exclude<Scope, "PowerBI">, readonly string[]>> = {
  Calendar: ["Calendars.ReadWrite"],
  Excel: ["Files.ReadWrite"],
  List: ["Sites.ReadWrite.All"],
  OneDrive: ["Files.ReadWrite"],
  UserDirectory: ["User.Read.All"],
};

/** Always asked for: the signed-in user, and a refresh token. */
const ALWAYS = ["User.Read"];
export const OIDC_SCOPES = ["openid", "profile", "offline_access"];

/**
 * The delegated Graph scopes a credential signs in for, qualified with the cloud's Graph resource
 * (bare names would mean the public cloud's Graph). Sorted and without duplicates, so the same
 * credential always asks for the same set.
 */
export function graphScopes(scopes: readonly Scope[], endpoints: CloudEndpoints): string[] {
  const names = new Set(ALWAYS);
  for (const scope of scopes) if (scope !== "PowerBI") for (const name of GRAPH_PERMISSIONS[scope]) names.add(name);
  return [...names].sort().map((name) => `${endpoints.graphResource}/${name}`);
}

/** Power BI's token is for another resource: asked for separately with the same refresh token. */
export function powerBiScopes(endpoints: CloudEndpoints): string[] {
  return [`${endpoints.powerBiResource}/.default`];
}

/** The permission name of a scope, whether qualified with its resource or not. */
const permission = (scope: string): string => (scope.split("/").pop() ?? scope).toLowerCase();

/** Scopes asked for that were not granted (a scope added to the spec needs consent). */
export function missingScopes(required: readonly string[], granted: readonly string[]): string[] {
  const have = new Set(granted.map(permission));
  return required.filter((scope) => !have.has(permission(scope)));
}
