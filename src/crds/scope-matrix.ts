// The scope × tenant-type matrix of docs/design/api.md, in one table: the CEL rules the API server
// enforces, zod's check (the operator, cdk8s synthesis, unit tests), their shared message and the
// description of spec.scopes are all written from SCOPES_BY_TENANT_TYPE.
import type { z } from "zod";
import { celList, celString, type CelRule } from "./schema-helpers.ts";

export const TENANT_TYPES = ["Personal", "WorkOrSchool", "ServicePrincipal"] as const;
export type TenantType = (typeof TENANT_TYPES)[number];

export const SCOPES = ["Calendar", "Excel", "List", "OneDrive", "PowerBI", "UserDirectory"] as const;
export type Scope = (typeof SCOPES)[number];

/** Which scopes each tenant type may request (docs/design/api.md; reasons in docs/design/microsoft.md). */
export const SCOPES_BY_TENANT_TYPE: Readonly<Record<TenantType, readonly Scope[]>> = {
  Personal: ["Calendar", "OneDrive"],
  WorkOrSchool: SCOPES,
  ServicePrincipal: ["Calendar", "List", "OneDrive", "PowerBI", "UserDirectory"],
};

/** The scopes a tenant type may not request, in the order of SCOPES. */
export function refusedScopes(tenantType: TenantType): Scope[] {
  return SCOPES.filter((scope) => !SCOPES_BY_TENANT_TYPE[tenantType].includes(scope));
}

/** The tenant types whose scopes are limited: one rule each. */
const limited = (): TenantType[] => TENANT_TYPES.filter((t) => refusedScopes(t).length > 0);

/** The one sentence both zod and the API server say; `what` is "scope Excel" (or "a scope"). */
function refusal(what: string, tenantType: TenantType): string {
  return `${what} is not available for tenantType ${tenantType}; allowed: ${SCOPES_BY_TENANT_TYPE[tenantType].join(", ")}`;
}

/** zod's message for a scope the tenant type refuses (the API server's messageExpression gives the same). */
export function scopeRefusal(scope: string, tenantType: TenantType): string {
  return refusal(`scope ${scope}`, tenantType);
}

/** What the tenant type allows, in words: "Calendar, OneDrive", "all", "all but Excel". */
function allowedInWords(tenantType: TenantType): string {
  const allowed = SCOPES_BY_TENANT_TYPE[tenantType];
  const refused = refusedScopes(tenantType);
  if (refused.length === 0) return "all";
  return refused.length < allowed.length ? `all but ${refused.join(", ")}` : allowed.join(", ");
}

/** The description of spec.scopes (`kubectl explain`, docs/reference.md). */
export function scopesDescription(): string {
  const rows = TENANT_TYPES.map((t) => `${t} allows ${allowedInWords(t)}`).join("; ");
  return `What the credential may access: ${SCOPES.join(", ")}. ${rows}.`;
}

/** One CEL rule per limited tenant type, on the spec, reported at spec.scopes and naming the first refused scope. */
export function scopeRules(): CelRule[] {
  const mark = "\u0000";
  return limited().map((tenantType) => {
    const allowed = celList(SCOPES_BY_TENANT_TYPE[tenantType]);
    const [before = "", after = ""] = scopeRefusal(mark, tenantType).split(mark);
    return {
      rule: `self.tenantType != ${celString(tenantType)} || self.scopes.all(s, s in ${allowed})`,
      message: refusal("a scope", tenantType),
      messageExpression: `${celString(before)} + self.scopes.filter(s, !(s in ${allowed}))[0] + ${celString(after)}`,
      fieldPath: ".scopes",
      reason: "FieldValueForbidden",
    };
  });
}

/**
 * zod's copy of scopeRules, as a check on the spec: the first scope the tenant type refuses,
 * reported at `scopes` with the API server's message. zod skips it when a field has the wrong type
 * or value (an unknown tenantType or scope), so tenantType and scopes are as typed here; a problem
 * of another kind elsewhere (a pattern, a length) does not stop it, both are reported.
 */
export function checkScopes(ctx: z.core.ParsePayload<{ tenantType: TenantType; scopes: readonly Scope[] }>): void {
  const { tenantType, scopes } = ctx.value;
  const refused = scopes.find((scope) => !SCOPES_BY_TENANT_TYPE[tenantType].includes(scope));
  if (refused === undefined) return;
  ctx.issues.push({
    code: "custom",
    message: scopeRefusal(refused, tenantType),
    path: ["scopes"],
    input: scopes,
    continue: true,
  });
}
