// What the fake Graph holds: each person's OneDrive and calendars (created on first use, as a
// licensed account has them), SharePoint sites, Power BI workspaces, and who may not see what.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { FakeInputError } from "../app-model.ts";
import type { FakeClock } from "../clock.ts";
import type { Directory } from "../directory.ts";
import type { User } from "../user-model.ts";
import { Drive } from "./drive.ts";
import { EventStore } from "./events.ts";
import { newSite, normalizeSitePath, type Site } from "./sites.ts";
import type { CalendarInput, CalendarView, PowerBiGroupView } from "./types.ts";

export interface Calendar {
  readonly id: string;
  readonly name: string;
  readonly color: string;
  readonly isDefault: boolean;
}

/** The OneDrive host of a work account: `contoso-my.sharepoint.com` for `…@contoso.onmicrosoft.com`. */
function oneDriveUrl(user: User): string {
  if (user.kind === "personal") return `https://onedrive.live.com/personal/${personalGraphId(user)}`;
  const [name = "", domain = ""] = user.userPrincipalName.toLowerCase().split("@");
  const prefix = domain.split(".")[0] ?? domain;
  return `https://${prefix}-my.sharepoint.com/personal/${`${name}_${domain}`.replace(/[.@-]/g, "_")}/Documents`;
}

/** Graph shows a personal account's id as 16 hex digits (its CID), the tail of the token's `oid`. */
export function personalGraphId(user: User): string {
  return user.id.replaceAll("-", "").slice(-16);
}

function calendarId(): string {
  return `AAMk${randomBytes(90).toString("base64url")}`;
}

export class GraphStore {
  readonly #directory: Directory;
  readonly #clock: FakeClock;
  #oneDrives = new Map<string, Drive>();
  #sites = new Map<string, Site>();
  #calendars = new Map<string, Calendar[]>();
  #denied = new Map<string, Set<string>>();
  #groups = new Map<string, PowerBiGroupView[]>();
  /** Events of every calendar, by calendar id. */
  readonly events = new EventStore();

  constructor(directory: Directory, clock: FakeClock) {
    this.#directory = directory;
    this.#clock = clock;
  }

  reset(): void {
    this.#oneDrives.clear();
    this.#sites.clear();
    this.#calendars.clear();
    this.#denied.clear();
    this.#groups.clear();
    this.events.clear();
  }

  /** A registered user by UPN or object id (or, for personal accounts, the 16-digit Graph id). */
  findUser(ref: string): User | undefined {
    const key = ref.toLowerCase();
    return (
      this.#directory.findUser(key) ??
      this.#directory.userRecords().find((u) => u.kind === "personal" && personalGraphId(u) === key)
    );
  }

  requireUser(ref: string): User {
    const user = this.findUser(ref);
    if (user === undefined) throw new FakeInputError(`user ${ref} is not registered`);
    return user;
  }

  /** The person's OneDrive, provisioned on first use. */
  oneDrive(user: User): Drive {
    const existing = this.#oneDrives.get(user.id);
    if (existing !== undefined) return existing;
    const drive = new Drive({
      driveType: user.kind === "personal" ? "personal" : "business",
      name: "OneDrive",
      webUrl: oneDriveUrl(user),
      owner: {
        user: { id: user.kind === "personal" ? personalGraphId(user) : user.id, displayName: user.displayName },
      },
      now: this.#clock.now(),
    });
    this.#oneDrives.set(user.id, drive);
    return drive;
  }

  /** The owner's user id of a OneDrive (undefined for a site's library). */
  oneDriveOwner(drive: Drive): string | undefined {
    return [...this.#oneDrives.entries()].find(([, d]) => d === drive)?.[0];
  }

  driveById(id: string): Drive | undefined {
    const all = this.drives();
    return all.find((d) => d.id === id) ?? all.find((d) => d.id.toLowerCase() === id.toLowerCase());
  }

  siteOfDrive(drive: Drive): Site | undefined {
    return [...this.#sites.values()].find((s) => s.drive === drive);
  }

  addSite(input: { hostname: string; path: string; displayName?: string; tenantId: string }): Site {
    if (typeof input.hostname !== "string" || !/^[a-z0-9.-]+$/i.test(input.hostname))
      throw new FakeInputError("hostname must be a host name such as contoso.sharepoint.com");
    const existing = this.findSite(input.hostname, input.path);
    if (existing !== undefined) this.#sites.delete(existing.id);
    const site = newSite(input, this.#clock.now());
    this.#sites.set(site.id, site);
    return site;
  }

  findSite(hostname: string, path: string): Site | undefined {
    const host = hostname.toLowerCase();
    const key = normalizeSitePath(path).toLowerCase();
    return [...this.#sites.values()].find((s) => s.hostname === host && s.path.toLowerCase() === key);
  }

  siteById(id: string): Site | undefined {
    return (
      this.#sites.get(id.toLowerCase()) ??
      [...this.#sites.values()].find((s) => s.id.toLowerCase() === id.toLowerCase())
    );
  }

  removeSite(site: Site): boolean {
    return this.#sites.delete(site.id);
  }

  sites(): Site[] {
    return [...this.#sites.values()];
  }

  /** The person's calendars; the default one, `Calendar`, always exists. */
  calendars(user: User): Calendar[] {
    const existing = this.#calendars.get(user.id);
    if (existing !== undefined) return existing;
    const created: Calendar[] = [{ id: calendarId(), name: "Calendar", color: "auto", isDefault: true }];
    this.#calendars.set(user.id, created);
    return created;
  }

  /** A calendar of the person by id, or `undefined`. */
  calendar(user: User, id: string): Calendar | undefined {
    return this.calendars(user).find((c) => c.id === id);
  }

  /** All drives: OneDrives, then site libraries. */
  drives(): Drive[] {
    return [...this.#oneDrives.values(), ...[...this.#sites.values()].map((s) => s.drive)];
  }

  addCalendar(user: User, input: Omit<CalendarInput, "user">): Calendar {
    if (typeof input.name !== "string" || input.name.trim() === "") throw new FakeInputError("a calendar needs a name");
    const calendars = this.calendars(user);
    const existing = calendars.find((c) => c.name.toLowerCase() === input.name.toLowerCase());
    if (existing !== undefined) return existing;
    const calendar: Calendar = { id: calendarId(), name: input.name, color: input.color ?? "auto", isDefault: false };
    calendars.push(calendar);
    return calendar;
  }

  calendarView(user: User, calendar: Calendar): CalendarView {
    const changeKey = createHash("sha256").update(calendar.id).digest("base64").slice(0, 28);
    return {
      id: calendar.id,
      name: calendar.name,
      color: calendar.color,
      hexColor: "",
      isDefaultCalendar: calendar.isDefault,
      changeKey,
      canShare: true,
      canViewPrivateItems: true,
      canEdit: true,
      isRemovable: !calendar.isDefault,
      owner: { name: user.displayName, address: user.userPrincipalName },
    };
  }

  /** `principal` is a user's object id or an app's client id (lower case). */
  deny(principal: string, objectId: string): void {
    const set = this.#denied.get(principal) ?? new Set<string>();
    set.add(objectId);
    this.#denied.set(principal, set);
  }

  allow(principal: string, objectId: string): boolean {
    return this.#denied.get(principal)?.delete(objectId) ?? false;
  }

  clearDenials(): void {
    this.#denied.clear();
  }

  denials(): { readonly principal: string; readonly objectId: string }[] {
    return [...this.#denied.entries()].flatMap(([principal, ids]) =>
      [...ids].map((objectId) => ({ principal, objectId })),
    );
  }

  /** True when any of the ids (an item, its ancestors, its site) is denied to the principal. */
  isDenied(principal: string, objectIds: readonly string[]): boolean {
    const set = this.#denied.get(principal);
    return set !== undefined && objectIds.some((id) => set.has(id));
  }

  addPowerBiGroup(memberKey: string, input: { readonly name: string; readonly id?: string }): PowerBiGroupView {
    if (typeof input.name !== "string" || input.name.trim() === "")
      throw new FakeInputError("a workspace needs a name");
    const group: PowerBiGroupView = {
      id: input.id ?? randomUUID(),
      name: input.name,
      type: "Workspace",
      isReadOnly: false,
      isOnDedicatedCapacity: false,
    };
    this.#groups.set(memberKey, [...(this.#groups.get(memberKey) ?? []).filter((g) => g.id !== group.id), group]);
    return group;
  }

  powerBiGroups(memberKey: string): PowerBiGroupView[] {
    return this.#groups.get(memberKey) ?? [];
  }
}
