// What follows from a credential's spec, computed once when it is loaded: whether it is an app
// (ServicePrincipal) or a person's account (Personal, WorkOrSchool), where it signs in, the scopes
// it asks for, the tokens it keeps and the names of everything it owns. The CRD's rules guarantee
// the shape (a ServicePrincipal has a tenantId and a servicePrincipal block); here that guarantee
// becomes a type, so nothing downstream branches on tenantType or falls back to "".
import type { Cloud, MicrosoftCredentialSpec, SignInMethod } from "../../crds/index.ts";
import type { CloudEndpoints } from "../../microsoft/clouds.ts";
import { graphScopes } from "../../microsoft/scopes.ts";
import { ownedNames, type OwnedNames } from "../names.ts";
import { parseCredential, type RawCredential } from "./parse.ts";
import { refreshBeforeMs, tokenSlots } from "./tokens.ts";
import type { Credential, TokenSlot } from "./types.ts";

/** Who Microsoft sees acting: the app itself, or a person's personal or work account. */
export type Principal = "app" | "personal" | "work";

interface CommonFacts {
  readonly principal: Principal;
  readonly endpoints: CloudEndpoints;
  readonly names: OwnedNames;
  /** The tokens kept in the token Secret: Graph, and Power BI when asked for. */
  readonly slots: readonly TokenSlot[];
  readonly refreshBeforeMs: number;
  /** The SharePoint site its files are in, when spec.storage is SharePoint. */
  readonly sharePointSite?: string;
}

/** A ServicePrincipal: app-only tokens from its client credential. */
export interface AppFacts extends CommonFacts {
  readonly kind: "app";
  readonly principal: "app";
  readonly tenantId: string;
  readonly clientId: string;
  /** How the app proves itself: exactly one of clientSecretRef, certificateRef, workloadIdentity. */
  readonly material: NonNullable<MicrosoftCredentialSpec["servicePrincipal"]>;
}

/** A person's account: a sign-in (device code, browser or both), then refresh tokens. */
export interface DelegatedFacts extends CommonFacts {
  readonly kind: "delegated";
  readonly principal: "personal" | "work";
  /** The authority's tenant segment the sign-in happens at: consumers, organizations, a tenant. */
  readonly authorityTenant: string;
  /** The public client it signs in with (spec.clientId, else the operator's), if any is configured. */
  readonly clientId: string | undefined;
  /** The delegated Graph scopes it signs in for, qualified with the cloud's Graph resource. */
  readonly graphScopes: readonly string[];
  /** How a person signs in: spec.signInMethod, Automatic when unset (ADR 13). */
  readonly signInMethod: SignInMethod;
}

export type CredentialFacts = AppFacts | DelegatedFacts;

/** Who Microsoft sees acting. The one place that reads spec.tenantType (beside the CRD's rules). */
export function principalOf(spec: Pick<MicrosoftCredentialSpec, "tenantType">): Principal {
  const principals = { ServicePrincipal: "app", Personal: "personal", WorkOrSchool: "work" } as const;
  return principals[spec.tenantType];
}

/** The authority's tenant segment a person signs in at: consumers for personal accounts. */
export function authorityTenantOf(spec: Pick<MicrosoftCredentialSpec, "tenantType" | "tenantId">): string {
  return principalOf(spec) === "personal" ? "consumers" : (spec.tenantId ?? "organizations");
}

/**
 * The facts of a parsed credential, or why its spec lacks what its tenant type needs (the CRD's
 * rules refuse that; an object written under an older CRD could still have it).
 */
export function factsOf(
  credential: Credential,
  endpoints: CloudEndpoints,
  publicClientId: string | undefined,
): CredentialFacts | { readonly error: string } {
  const { spec } = credential;
  const common = {
    endpoints,
    names: ownedNames(credential),
    slots: tokenSlots(credential, endpoints),
    refreshBeforeMs: refreshBeforeMs(credential),
    ...(spec.storage === "SharePoint" && spec.sharePoint?.siteUrl !== undefined
      ? { sharePointSite: spec.sharePoint.siteUrl }
      : {}),
  };
  const principal = principalOf(spec);
  if (principal === "app") {
    const { tenantId, servicePrincipal } = spec;
    if (tenantId === undefined || servicePrincipal === undefined) {
      return { error: "tenantType ServicePrincipal needs tenantId and servicePrincipal" };
    }
    return {
      kind: "app",
      principal: "app",
      tenantId,
      clientId: servicePrincipal.clientId,
      material: servicePrincipal,
      ...common,
    };
  }
  return {
    kind: "delegated",
    principal,
    authorityTenant: authorityTenantOf(spec),
    clientId: spec.clientId ?? publicClientId,
    graphScopes: graphScopes(spec.scopes, endpoints),
    signInMethod: spec.signInMethod ?? "Automatic",
    ...common,
  };
}

/**
 * Who an AccessList's items are resolved as: the bound account, or the app. Undefined while a
 * delegated credential has no account bound yet.
 */
export function resolvedFor(credential: Credential, facts: CredentialFacts): string | undefined {
  return facts.kind === "app" ? `app:${facts.clientId}` : credential.status.account?.username;
}

/** A credential from the cache, parsed (defaults applied) and with its facts; or what is wrong with it. */
export function loadCredential(
  raw: RawCredential,
  endpointsOf: (cloud: Cloud | undefined) => CloudEndpoints,
  publicClientId?: string,
): { readonly credential: Credential; readonly facts: CredentialFacts } | { readonly error: string } {
  const parsed = parseCredential(raw);
  if ("error" in parsed) return parsed;
  const facts = factsOf(parsed.credential, endpointsOf(parsed.credential.spec.cloud), publicClientId);
  return "error" in facts ? facts : { credential: parsed.credential, facts };
}
