// The fake's directory: tenants (by id or verified domain), app registrations, users (people who
// sign in with a device code) and the resources an app may ask a token for.
import { appView, applyPatch, FakeInputError, parseApp, parseSecret, requireGuid, type App } from "./app-model.ts";
import { normalizeResource } from "./scopes.ts";
import type {
  AppInput,
  AppPatch,
  AppView,
  SecretInput,
  TenantInput,
  TenantView,
  UserInput,
  UserPatch,
  UserView,
} from "./types.ts";
import { applyUserPatch, consumersTenantId, parseUser, userView, type User } from "./user-model.ts";

export { normalizeResource };

/** Resources every fake knows, as in every real tenant. */
export const defaultResources: readonly string[] = [
  "https://graph.microsoft.com",
  "https://analysis.windows.net/powerbi/api",
];

/** The tenant of personal Microsoft accounts: always there, never listed among `tenants()`. */
export const consumersTenant: TenantView = {
  id: consumersTenantId,
  domains: [],
  displayName: "Microsoft Accounts (SIMULATED consumers tenant)",
  deviceCodeFlowBlocked: false,
};

export class Directory {
  #tenants = new Map<string, TenantView>();
  #apps = new Map<string, App>();
  #users = new Map<string, User>();
  #resources = new Map<string, string>();

  constructor() {
    this.reset();
  }

  reset(): void {
    this.#tenants.clear();
    this.#apps.clear();
    this.#users.clear();
    this.#resources = new Map(defaultResources.map((r) => [normalizeResource(r), r]));
  }

  addTenant(input: TenantInput): TenantView {
    const id = requireGuid(input.id, "tenant id");
    const domains = (input.domains ?? []).map((d) => d.toLowerCase());
    const blocked = input.deviceCodeFlowBlocked ?? false;
    if (typeof blocked !== "boolean") throw new FakeInputError("deviceCodeFlowBlocked must be true or false");
    const displayName = input.displayName ?? `Fake tenant ${id}`;
    const tenant: TenantView = { id, domains, displayName, deviceCodeFlowBlocked: blocked };
    this.#tenants.set(id, tenant);
    return tenant;
  }

  /** Turns a tenant's Conditional Access policy "Block device code flow" on or off. */
  blockDeviceCodeFlow(ref: string, blocked: boolean): TenantView {
    const tenant = this.findTenant(ref);
    if (tenant === undefined || tenant.id === consumersTenantId)
      throw new FakeInputError(`tenant ${ref} is not registered (the consumers tenant has no Conditional Access)`);
    return this.addTenant({ ...tenant, deviceCodeFlowBlocked: blocked });
  }

  /** The tenant a URL segment names: its id or one of its domains (the consumers tenant by id). */
  findTenant(segment: string): TenantView | undefined {
    const key = segment.toLowerCase();
    if (key === consumersTenantId) return consumersTenant;
    return this.#tenants.get(key) ?? [...this.#tenants.values()].find((t) => t.domains.includes(key));
  }

  tenants(): TenantView[] {
    return [...this.#tenants.values()];
  }

  /** Registers an app, replacing one with the same client id. */
  addApp(input: AppInput): AppView {
    const app = parseApp(input);
    if (!this.#tenants.has(app.tenantId)) throw new FakeInputError(`tenant ${app.tenantId} is not registered`);
    this.#apps.set(app.clientId, app);
    return appView(app);
  }

  updateApp(clientId: string, patch: AppPatch): AppView {
    const app = applyPatch(this.#requireApp(clientId), patch);
    this.#apps.set(app.clientId, app);
    return appView(app);
  }

  removeApp(clientId: string): boolean {
    return this.#apps.delete(clientId.toLowerCase());
  }

  /** Adds a secret next to the existing ones: the overlap of a rotation. */
  addSecret(clientId: string, input: SecretInput): { readonly keyId: string } {
    const app = this.#requireApp(clientId);
    const secret = parseSecret(input);
    this.#apps.set(app.clientId, { ...app, secrets: [...app.secrets, secret] });
    return { keyId: secret.keyId };
  }

  replaceSecrets(clientId: string, secrets: readonly SecretInput[]): AppView {
    return this.updateApp(clientId, { secrets });
  }

  removeSecret(clientId: string, keyId: string): boolean {
    const app = this.#requireApp(clientId);
    const secrets = app.secrets.filter((s) => s.keyId !== keyId.toLowerCase());
    this.#apps.set(app.clientId, { ...app, secrets });
    return secrets.length !== app.secrets.length;
  }

  findApp(clientId: string): App | undefined {
    return this.#apps.get(clientId.toLowerCase());
  }

  apps(): AppView[] {
    return [...this.#apps.values()].map(appView);
  }

  /** Registers a person, replacing one with the same id or user principal name. */
  addUser(input: UserInput): UserView {
    const user = parseUser(input);
    if (user.tenantId !== consumersTenantId && !this.#tenants.has(user.tenantId))
      throw new FakeInputError(`tenant ${user.tenantId} is not registered`);
    const same = this.findUser(user.userPrincipalName);
    if (same !== undefined) this.#users.delete(same.id);
    this.#users.set(user.id, user);
    return userView(user);
  }

  /** A user by object id or user principal name (case-insensitive). */
  findUser(ref: string): User | undefined {
    const key = String(ref).toLowerCase();
    return this.#users.get(key) ?? [...this.#users.values()].find((u) => u.userPrincipalName.toLowerCase() === key);
  }

  requireUser(ref: string): User {
    const user = this.findUser(ref);
    if (user === undefined) throw new FakeInputError(`user ${ref} is not registered`);
    return user;
  }

  updateUser(ref: string, patch: UserPatch): UserView {
    const user = applyUserPatch(this.requireUser(ref), patch);
    const clash = this.findUser(user.userPrincipalName);
    if (clash !== undefined && clash.id !== user.id)
      throw new FakeInputError(`another user is ${user.userPrincipalName}`);
    this.#users.set(user.id, user);
    return userView(user);
  }

  /** Deletes a person from the directory: their refresh tokens then answer AADSTS50034. */
  removeUser(ref: string): boolean {
    const user = this.findUser(ref);
    return user !== undefined && this.#users.delete(user.id);
  }

  /** Adds consent (what a person approves on the sign-in page). */
  addConsent(userId: string, scopes: readonly string[]): void {
    const user = this.requireUser(userId);
    this.updateUser(user.id, { consentedScopes: [...user.consentedScopes, ...scopes] });
  }

  /** Invalidates every refresh token issued so far (a password change, revokeSignInSessions). */
  revokeUserTokens(ref: string, now: number): UserView {
    const user = this.requireUser(ref);
    const revoked: User = { ...user, tokenGeneration: user.tokenGeneration + 1, tokensValidFrom: now };
    this.#users.set(user.id, revoked);
    return userView(revoked);
  }

  users(): UserView[] {
    return [...this.#users.values()].map(userView);
  }

  userRecords(): User[] {
    return [...this.#users.values()];
  }

  addResource(uri: string): void {
    if (typeof uri !== "string" || !/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(uri))
      throw new FakeInputError("a resource must be a URI such as https://example.com or api://<guid>");
    this.#resources.set(normalizeResource(uri), uri.replace(/\/+$/, ""));
  }

  /** The resource as registered (its canonical spelling, the tokens' `aud`), if known. */
  findResource(uri: string): string | undefined {
    return this.#resources.get(normalizeResource(uri));
  }

  resources(): string[] {
    return [...this.#resources.values()];
  }

  #requireApp(clientId: string): App {
    const app = this.findApp(clientId);
    if (app === undefined) throw new FakeInputError(`app ${clientId} is not registered`);
    return app;
  }
}
