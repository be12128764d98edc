// What the hostile gateway tests share (gateway-hostile-*.test.ts): the gateway fixture (a real API
// server, the fake Microsoft, the operator and the gateway in this process), and on top of it one
// WorkOrSchool credential with a manager whose teams are the test namespace's ServiceAccounts, signed
// in as Adele, with an AccessList: `/Reports/2026` (Read), `/Shared/Team` (ReadWrite), the file
// `/Plans/roadmap.docx` (Read), the list Invoices (Read) and the calendar Team (Read). Forbidden
// siblings (`/Private`, `/Reports/2025`, `/Reports/2026-private`, `/Plans/secret.docx`, the list
// Payroll, the calendar Board, the default calendar) and a second drive (the finance site's
// library, which has a `/Reports/2026` of its own) are seeded through the fake's control API.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Client } from "@microsoft/microsoft-graph-client";
import { Agent } from "undici";
import { afterAll, beforeAll, expect, inject } from "vitest";
import { graphResource } from "../fakes/index.ts";
import { credential, type AccessListItemInput } from "../fixtures/index.ts";
import {
  fake,
  gateway,
  gatewayLogLines,
  graphFor,
  kubeconfig,
  MANAGER,
  namespace,
  resolvedList,
  serviceAccountToken,
  SITE,
  startGatewayFixture,
  TENANT,
} from "./gateway-fixture.ts";
import { apply, getJson, waitFor, waitForCondition, type Json } from "./wait.ts";

export const CREDENTIAL = "hostile";
export const ACCESS_LIST = "hostile-items";
export const OWNER = "adele@contoso.onmicrosoft.com";
const PUBLIC_CLIENT = randomUUID();

/** Paths of Adele's OneDrive; folders end without an extension. */
const ONEDRIVE: readonly string[] = [
  "/Reports/2026/budget.xlsx",
  "/Reports/2026/notes.docx",
  "/Reports/2025/budget-2025.xlsx",
  "/Reports/2026-private/leak.docx",
  "/Private/salaries.xlsx",
  "/Private/budget-private.xlsx",
  "/Shared/Team/agenda.docx",
  "/Shared/Team/Drafts/draft.docx",
  "/Shared/Other/gossip.txt",
  "/Plans/roadmap.docx",
  "/Plans/secret.docx",
];

/** What the tests address, set in beforeAll: drive and item ids by name, calendars, lists, the caller's token. */
export const world = {
  driveId: "",
  /** The finance site's library: another drive. */
  siteDriveId: "",
  siteId: "",
  /** Item ids of Adele's OneDrive by short name (reports, private, team, roadmap, salaries, …). */
  id: {} as Record<string, string>,
  /** The site library's items by short name (siteReports, siteShared, siteTeam). */
  siteItem: {} as Record<string, string>,
  calendar: { team: "", board: "", default: "" },
  event: { team: "", board: "", default: "" },
  list: { invoices: "", payroll: "" },
  listItem: { invoices: "", payroll: "" },
  /** A ServiceAccount token of the credential's teams, for the gateway's audience. */
  token: "",
};

const ITEM_NAMES: Readonly<Record<string, string>> = {
  reports: "/Reports",
  reports2026: "/Reports/2026",
  reports2025: "/Reports/2025",
  budget: "/Reports/2026/budget.xlsx",
  notes: "/Reports/2026/notes.docx",
  budget2025: "/Reports/2025/budget-2025.xlsx",
  private: "/Private",
  salaries: "/Private/salaries.xlsx",
  shared: "/Shared",
  team: "/Shared/Team",
  agenda: "/Shared/Team/agenda.docx",
  drafts: "/Shared/Team/Drafts",
  draft: "/Shared/Team/Drafts/draft.docx",
  other: "/Shared/Other",
  plans: "/Plans",
  roadmap: "/Plans/roadmap.docx",
  secret: "/Plans/secret.docx",
};

/** The manager's AccessList for the credential. */
export const ACCESS_ITEMS: readonly AccessListItemInput[] = [
  { name: "reports", type: "Folder", path: "/Reports/2026" },
  { name: "team", type: "Folder", path: "/Shared/Team", access: "ReadWrite" },
  { name: "roadmap", type: "File", path: "/Plans/roadmap.docx" },
  { name: "invoices", type: "List", siteUrl: SITE, listName: "Invoices" },
  { name: "team-calendar", type: "Calendar", calendarName: "Team" },
];

const servingCa = readFileSync(inject("controlPlane").pki.servingCaCert, "utf8");
const agent = new Agent({ connect: { ca: servingCa } });

/** The id of a seeded item by its name in `world` (a placeholder matching nothing before it is seeded). */
export const id = (name: string): string => world.id[name] ?? `no-${name}`;

/** The id of an item of Adele's OneDrive now (the control API, not the gateway). */
export function itemId(path: string): string {
  const found = fake.driveItem({ user: OWNER, path });
  if (found === undefined) throw new Error(`no ${path} in the OneDrive`);
  return found.id;
}

async function signIn(name: string): Promise<void> {
  const userCode = await waitFor(`a sign-in for ${name}`, async () => {
    const status = (await getJson(kubeconfig, ["mscred", name, "-n", namespace]))?.["status"] as Json | undefined;
    const code = (status?.["signIn"] as Json | undefined)?.["userCode"];
    return typeof code === "string" ? code : undefined;
  });
  fake.approveDeviceCode({ userCode, user: OWNER });
}

function seedAccounts(): void {
  fake.addApp({
    clientId: PUBLIC_CLIENT,
    tenantId: TENANT,
    allowPublicClientFlows: true,
    delegatedPermissions: {
      [graphResource]: ["User.Read", "Files.ReadWrite", "Calendars.ReadWrite", "Sites.ReadWrite.All"],
    },
  });
  fake.updateDelegatedSettings({ deviceCodePollIntervalSeconds: 1 });
  fake.addUser({ tenantId: TENANT, userPrincipalName: OWNER });
}

const byName = <T extends { readonly id: string; readonly name: string }>(all: readonly T[], name: string): string =>
  all.find((x) => x.name === name)?.id ?? `no-${name}`;

function seedListsAndCalendars(): void {
  for (const name of ["Invoices", "Payroll"]) fake.addSiteList({ siteUrl: SITE, name });
  const lists = fake.siteLists(SITE);
  world.list = { invoices: byName(lists, "Invoices"), payroll: byName(lists, "Payroll") };
  const row = (list: string, Title: string): string =>
    String(fake.addListItem({ siteUrl: SITE, list, fields: { Title } })["id"]);
  world.listItem = { invoices: row("Invoices", "INV-1"), payroll: row("Payroll", "Alice") };
  for (const name of ["Team", "Board"]) fake.addCalendar({ user: OWNER, name });
  const calendars = fake.calendars(OWNER);
  const standard = calendars.find((c) => c.isDefaultCalendar)?.id ?? "no-default";
  world.calendar = { team: byName(calendars, "Team"), board: byName(calendars, "Board"), default: standard };
  const event = (calendar: string, subject: string): string =>
    String(
      fake.addEvent({
        user: OWNER,
        calendar,
        subject,
        start: { dateTime: "2026-12-10T10:00:00", timeZone: "UTC" },
        end: { dateTime: "2026-12-10T11:00:00", timeZone: "UTC" },
      })["id"],
    );
  world.event = { team: event("Team", "team"), board: event("Board", "board"), default: event(standard, "default") };
}

function seedGraph(): void {
  seedAccounts();
  for (const path of ONEDRIVE) fake.addDriveItem({ user: OWNER, path });
  // The other drive has a folder at the ReadWrite folder's path too.
  fake.addDriveItem({ siteUrl: SITE, path: "/Shared/Team/site-note.txt" });
  seedListsAndCalendars();
  world.driveId = fake.drive({ user: OWNER }).id;
  world.siteDriveId = fake.drive({ siteUrl: SITE }).id;
  world.siteId = fake.site(SITE)?.id ?? "";
  for (const [key, path] of Object.entries(ITEM_NAMES)) world.id[key] = itemId(path);
  for (const [key, path] of [
    ["siteReports", "/Reports/2026"],
    ["siteShared", "/Shared"],
    ["siteTeam", "/Shared/Team"],
  ] as const)
    world.siteItem[key] = String(fake.driveItem({ siteUrl: SITE, path })?.id);
}

async function setUp(): Promise<void> {
  seedGraph();
  await apply(
    kubeconfig,
    namespace,
    credential(CREDENTIAL, {
      tenantType: "WorkOrSchool",
      tenantId: TENANT,
      clientId: PUBLIC_CLIENT,
      scopes: ["OneDrive", "Calendar", "List"],
      manager: MANAGER,
      teams: [`system:serviceaccounts:${namespace}`],
    }),
  );
  await signIn(CREDENTIAL);
  await waitForCondition(kubeconfig, [namespace, CREDENTIAL], { type: "Ready", status: "True" }, 60_000);
  const items = await resolvedList(ACCESS_LIST, CREDENTIAL, ACCESS_ITEMS);
  expect(items["reports"]).toMatchObject({ resolved: true, id: world.id["reports2026"], driveId: world.driveId });
  expect(items["team-calendar"]).toMatchObject({ resolved: true, id: world.calendar.team });
  expect(items["invoices"]).toMatchObject({ resolved: true, id: world.list.invoices, siteId: world.siteId });
  world.token = await serviceAccountToken(namespace, "analyst");
}

/** Starts the gateway fixture, then seeds Graph and makes the credential Ready with its AccessList resolved. */
export function startHostileGateway(): void {
  startGatewayFixture();
  beforeAll(setUp, 180_000);
  afterAll(() => agent.close());
}

/** The real Graph client as a workload uses it: the gateway's URL for the credential, a ServiceAccount token. */
export const graph = (token: string = world.token): Client => graphFor(CREDENTIAL, token);

/** What the caller saw: a status, Graph's error code and message (when refused), the body, the request id. */
export interface Seen {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly body: unknown;
  readonly requestId: string;
}

/** A Graph client call's outcome, as its caller sees it (200 and the body, or the GraphError's fields). */
export async function viaClient(call: Promise<unknown>): Promise<Seen> {
  try {
    const body = await call;
    return { status: 200, code: "", message: "", body, requestId: "" };
  } catch (error) {
    const e = error as { statusCode?: number; code?: string; message?: string; requestId?: string; body?: unknown };
    return {
      status: e.statusCode ?? -1,
      code: e.code ?? "",
      message: e.message ?? "",
      body: e.body,
      requestId: e.requestId ?? "",
    };
  }
}

export interface RawInit {
  readonly method?: string;
  readonly body?: unknown;
  /** A body sent as it is (instead of `body` as JSON), with Content-Type application/json. */
  readonly rawBody?: string;
  readonly headers?: Record<string, string>;
  /** The bearer token; null: no Authorization header. Default: the team's ServiceAccount token. */
  readonly token?: string | null;
}

function headersOf(init: RawInit, hasBody: boolean): Record<string, string> {
  const token = init.token === undefined ? world.token : init.token;
  return {
    ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    ...(hasBody ? { "content-type": "application/json" } : {}),
    ...init.headers,
  };
}

function seenOf(status: number, text: string): Seen {
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  const error = (body as { error?: { code?: string; message?: string; innerError?: Record<string, string> } } | null)
    ?.error;
  const requestId = error?.innerError?.["request-id"] ?? "";
  return { status, code: error?.code ?? "", message: error?.message ?? "", body, requestId };
}

/**
 * A request the Graph client cannot make: the path after `/<namespace>/<credential>/v1.0` is sent
 * byte for byte (no URL parser resolves its `..` or re-encodes it).
 */
export async function viaRaw(
  path: string,
  init: RawInit = {},
  prefix = `/${namespace}/${CREDENTIAL}/v1.0`,
): Promise<Seen> {
  const body = init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
  const response = await agent.request({
    origin: `https://127.0.0.1:${String(gateway.port)}`,
    path: `${prefix}${path}`,
    method: init.method ?? "GET",
    headers: headersOf(init, body !== undefined),
    ...(body === undefined ? {} : { body }),
  });
  return seenOf(response.statusCode, await response.body.text());
}

export type Reason = "NotInAccessList" | "ReadOnly" | "DestinationNotAllowed" | "NotUnderstood" | "Malformed";

/** What each reason's message says (docs/gateway.md, "Refusals"), besides the request. */
const SAYS: Readonly<Record<Reason, RegExp>> = {
  NotInAccessList: new RegExp(`is not in an AccessList of ${"\\S+"}/${CREDENTIAL}.*allowed are ${ACCESS_LIST}/`),
  ReadOnly: new RegExp(`writes under ${ACCESS_LIST}/\\S+ \\(\\w+ [^)]*, (Read|ReadWrite)\\)`),
  DestinationNotAllowed: /moves or copies into .*(no ReadWrite Folder|does not find)/,
  NotUnderstood: /is not understood by the gateway/,
  Malformed: /is malformed/,
};

/** The gateway's audit line for a request id (one per refusal), parsed. */
export function auditOf(requestId: string): Json | undefined {
  const line = gatewayLogLines.find((l) => l.includes('"audit":"refused"') && l.includes(`"requestId":"${requestId}"`));
  return line === undefined ? undefined : (JSON.parse(line) as Json);
}

/** A Graph-shaped 403 accessDenied whose message says why, audited with that reason. */
export function expectRefused(seen: Seen, reason: Reason, what = ""): void {
  expect({ status: seen.status, code: seen.code }, what).toEqual({ status: 403, code: "accessDenied" });
  expect(seen.message, what).toMatch(SAYS[reason]);
  expect(auditOf(seen.requestId), what).toMatchObject({ reason, credential: `${namespace}/${CREDENTIAL}` });
}

/**
 * Requests Graph received under `/v1.0<prefix>` (any method unless given), batched ones included;
 * a prefix ending in `$` counts that exact path only.
 */
export function upstream(prefix: string, method?: string): number {
  const exact = prefix.endsWith("$");
  const filter = {
    pathPrefix: `/v1.0${exact ? prefix.slice(0, -1) : prefix}`,
    ...(method === undefined ? {} : { method }),
  };
  if (!exact) return fake.graphRequestCount(filter);
  return fake.graphRequests(filter).filter((r) => r.path.toLowerCase() === filter.pathPrefix.toLowerCase()).length;
}

/** Runs `call` and checks that Graph saw no request under any of `prefixes` meanwhile. */
export async function unseen<T>(prefixes: readonly string[], call: () => Promise<T>, method?: string): Promise<T> {
  const before = prefixes.map((p) => upstream(p, method));
  const result = await call();
  expect(
    prefixes.map((p) => upstream(p, method)),
    `Graph saw a request under ${prefixes.join(", ")}`,
  ).toEqual(before);
  return result;
}

/** The names of a listing's entries (`value`, or `children` of an expanded item), sorted. */
export function names(body: unknown, field: "value" | "children" = "value"): string[] {
  return (((body as Record<string, unknown> | undefined)?.[field] ?? []) as { name?: string }[])
    .map((i) => i.name ?? "")
    .sort();
}

/** One answer of a `$batch`. */
export interface BatchAnswer {
  readonly id: string;
  readonly status: number;
  readonly body?: unknown;
}

/** A sub-request refused inside a batch: 403 accessDenied saying why, audited as `$batch#<id> <path>` with the reason. */
export function expectRefusedInBatch(
  answer: BatchAnswer | undefined,
  reason: Reason,
  path: string,
  says = SAYS[reason],
): void {
  expect(answer, path).toMatchObject({ status: 403, body: { error: { code: "accessDenied" } } });
  const message = (answer?.body as { error?: { message?: string } } | undefined)?.error?.message ?? "";
  expect(message, path).toMatch(says);
  const audits = gatewayLogLines
    .filter((l) => l.includes('"audit":"refused"'))
    .map((l) => JSON.parse(l) as Json)
    .filter((a) => a["path"] === `/v1.0/$batch#${answer?.id ?? ""} ${path}`);
  expect(audits.at(-1), path).toMatchObject({ reason, credential: `${namespace}/${CREDENTIAL}` });
}
