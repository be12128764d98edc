// The fake's directory: tenants (by id or verified domain), app registrations, users (for the
// delegated side to come) and the resources an app may ask a token for.
import { randomUUID } from "node:crypto";
import { appView, applyPatch, FakeInputError, parseApp, parseSecret, requireGuid, type App } from "./app-model.ts";
import type { AppInput, AppPatch, AppView, SecretInput, TenantInput, TenantView, UserInput, UserView } from "./types.ts";

/** Resources every fake knows, as in every real tenant. */
export const defaultResources: readonly string[] = ["https://graph.microsoft.com", "https://analysis.windows.net/powerbi/api"];

/** Resource URIs compare without a trailing slash and case-insensitively, as Entra resolves them. */
export function normalizeResource(uri: string): string {
  return uri.replace(/\/+$/, "").toLowerCase();
}

export class Directory {
  #tenants = new Map<string, TenantView>();
  #apps = new Map<string, App>();
  #users = new Map<string, UserView>();
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
    const tenant: TenantView = { id, domains, displayName: input.displayName ?? `Fake tenant ${id}` };
    this.#tenants.set(id, tenant);
    return tenant;
  }

  /** The tenant a URL segment names: its id or one of its domains. */
  findTenant(segment: string): TenantView | undefined {
    const key = segment.toLowerCase();
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

  addUser(input: UserInput): UserView {
    const tenantId = requireGuid(input.tenantId, "tenantId");
    if (!this.#tenants.has(tenantId)) throw new FakeInputError(`tenant ${tenantId} is not registered`);
    if (typeof input.userPrincipalName !== "string" || input.userPrincipalName === "") throw new FakeInputError("a user needs a userPrincipalName");
    const id = input.id === undefined ? randomUUID() : requireGuid(input.id, "user id");
    const user: UserView = { id, tenantId, userPrincipalName: input.userPrincipalName, displayName: input.displayName ?? input.userPrincipalName };
    this.#users.set(id, user);
    return user;
  }

  users(): UserView[] {
    return [...this.#users.values()];
  }

  addResource(uri: string): void {
    if (typeof uri !== "string" || !/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(uri)) throw new FakeInputError("a resource must be a URI such as https://example.com or api://<guid>");
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
