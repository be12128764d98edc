// The fake Graph's control API as methods. The /_fake/graph/ HTTP routes call exactly these, so a
// test in-process and a person with curl seed Graph the same way.
import { FakeInputError } from "../app-model.ts";
import type { User } from "../user-model.ts";
import { createGraphDataControl, type FakeGraphDataControl } from "./control-data.ts";
import { createGraphSyncControl, type FakeGraphSyncControl } from "./control-sync.ts";
import type { Drive } from "./drive.ts";
import { listView, newList, parseSiteUrl, siteView, type Site } from "./sites.ts";
import type { GraphState } from "./state.ts";
import type {
  AccessDenialInput,
  AccessDenialView,
  CalendarInput,
  CalendarView,
  DriveItemInput,
  DriveItemRef,
  DriveItemView,
  DriveOwner,
  DriveView,
  GraphFailureInput,
  GraphFailureView,
  GraphRequestFilter,
  GraphRequestRecord,
  GraphThrottleInput,
  GraphThrottleView,
  ListInput,
  ListView,
  PowerBiGroupInput,
  PowerBiGroupView,
  SiteInput,
  SiteView,
} from "./types.ts";

export interface FakeGraphControl extends FakeGraphDataControl, FakeGraphSyncControl {
  /** Adds a folder or file to a OneDrive (`user`) or a site's library (`siteUrl`); parents are created. */
  addDriveItem(input: DriveItemInput): DriveItemView;
  driveItem(ref: DriveItemRef): DriveItemView | undefined;
  /** Every item of the drive (not its root), in creation order. */
  driveItems(owner: DriveOwner): DriveItemView[];
  /** Removes an item and everything under it (Graph then answers 404 itemNotFound). */
  removeDriveItem(ref: DriveItemRef): boolean;
  /** The drive (a person's OneDrive is provisioned on first use). */
  drive(owner: DriveOwner): DriveView;
  /** Adds (or replaces, same hostname and path) a SharePoint site with its lists and library items. */
  addSite(input: SiteInput): SiteView;
  addSiteList(input: ListInput & { readonly siteUrl: string }): ListView;
  /** By URL (`https://contoso.sharepoint.com/sites/finance`) or id. */
  site(ref: string): SiteView | undefined;
  sites(): SiteView[];
  siteLists(ref: string): ListView[];
  removeSite(ref: string): boolean;
  /** Adds a calendar beside the default `Calendar` (same name: the existing one). */
  addCalendar(input: CalendarInput): CalendarView;
  calendars(user: string): CalendarView[];
  /** 403 accessDenied for that object (and what is under it) for that user or app only. */
  denyAccess(input: AccessDenialInput): AccessDenialView;
  /** Undoes one `denyAccess`. */
  allowAccess(input: AccessDenialInput): boolean;
  accessDenials(): AccessDenialView[];
  clearAccessDenials(): void;
  /** A Power BI workspace the member (user, or app by client id) sees in `/powerbi/v1.0/myorg/groups`. */
  addPowerBiGroup(input: PowerBiGroupInput): PowerBiGroupView;
  powerBiGroups(member: string): PowerBiGroupView[];
  /** The next `count` Graph requests (under `pathPrefix`) answer 429 or 503 with Retry-After; returns its id. */
  injectGraphThrottle(input: GraphThrottleInput): string;
  graphThrottles(): GraphThrottleView[];
  clearGraphThrottles(): void;
  /** The next `count` requests under `pathPrefix` (or every one, `always`) answer this Graph error after the token check; returns its id. */
  injectGraphFailure(input: GraphFailureInput): string;
  graphFailures(): GraphFailureView[];
  removeGraphFailure(id: string): boolean;
  clearGraphFailures(): void;
  /** Graph and Power BI requests since the last reset matching the filter (throttled and failed ones too). */
  graphRequestCount(filter?: GraphRequestFilter): number;
  /** The last 500 matching requests, oldest first, without tokens. */
  graphRequests(filter?: GraphRequestFilter): GraphRequestRecord[];
  resetGraphRequests(): void;
  /** No drives, sites, calendars, events, workspaces, denials, upload or workbook sessions, throttles, failures or requests. */
  resetGraph(): void;
}

function hasOne(owner: DriveOwner): void {
  if ((owner.user === undefined) === (owner.siteUrl === undefined))
    throw new FakeInputError("give exactly one of user (a OneDrive) or siteUrl (a site's document library)");
}

export function createGraphControl(state: GraphState): FakeGraphControl {
  const { store } = state;
  const siteOf = (ref: string): Site | undefined => {
    if (typeof ref !== "string") throw new FakeInputError("a site is named by its URL or id");
    if (!ref.startsWith("https://")) return store.siteById(ref);
    const { hostname, path } = parseSiteUrl(ref);
    return store.findSite(hostname, path);
  };
  const requireSite = (ref: string): Site => {
    const site = siteOf(ref);
    if (site === undefined) throw new FakeInputError(`site ${ref} is not registered`);
    return site;
  };
  const driveOf = (owner: DriveOwner): Drive => {
    hasOne(owner);
    return owner.user === undefined ? requireSite(owner.siteUrl).drive : store.oneDrive(store.requireUser(owner.user));
  };
  const tenantOf = (input: SiteInput): string => {
    if (input.tenantId !== undefined) return input.tenantId.toLowerCase();
    const label = String(input.hostname).toLowerCase().split(".")[0];
    const tenant = state.directory.tenants().find((t) => t.domains.some((d) => d.split(".")[0] === label));
    if (tenant === undefined)
      throw new FakeInputError(`no registered tenant has a domain starting with ${label}.; give tenantId`);
    return tenant.id;
  };
  const principalOf = (ref: string): { readonly key: string; readonly user?: User } => {
    const user = store.findUser(ref);
    if (user !== undefined) return { key: user.id, user };
    const app = state.directory.findApp(ref);
    if (app === undefined) throw new FakeInputError(`${ref} is neither a registered user nor an app's client id`);
    return { key: app.clientId };
  };
  const objectOf = (input: AccessDenialInput, user: User | undefined): string => {
    const found = ((): string | undefined => {
      if (input.driveId !== undefined) return store.driveById(input.driveId)?.get(input.itemId ?? "")?.id;
      if (input.siteUrl !== undefined)
        return input.path === undefined
          ? requireSite(input.siteUrl).id
          : requireSite(input.siteUrl).drive.find(input.path)?.id;
      if (input.path !== undefined && user !== undefined) return store.oneDrive(user).find(input.path)?.id;
      throw new FakeInputError(
        "name the object: path (the user's OneDrive), siteUrl (with path for a library item), or driveId and itemId",
      );
    })();
    if (found === undefined) throw new FakeInputError("no such item or site (add it first)");
    return found;
  };
  const denial = (input: AccessDenialInput): AccessDenialView => {
    const { key, user } = principalOf(input.user);
    return { principal: key, objectId: objectOf(input, user) };
  };
  return {
    ...createGraphDataControl(state, driveOf, requireSite),
    ...createGraphSyncControl(state, driveOf),
    addDriveItem: (input) => {
      const drive = driveOf(input);
      return drive.itemView(drive.add(input, state.clock.now()));
    },
    driveItem: (ref) => {
      const drive = driveOf(ref);
      const item = drive.find(ref.path);
      return item === undefined ? undefined : drive.itemView(item);
    },
    driveItems: (owner) => {
      const drive = driveOf(owner);
      return drive.items().map((i) => drive.itemView(i));
    },
    removeDriveItem: (ref) => {
      const drive = driveOf(ref);
      const item = drive.find(ref.path);
      return item !== undefined && drive.remove(item, state.clock.now());
    },
    drive: (owner) => driveOf(owner).view(),
    addSite: (input) => {
      const site = store.addSite({
        hostname: input.hostname,
        path: input.path,
        tenantId: tenantOf(input),
        ...(input.displayName === undefined ? {} : { displayName: input.displayName }),
      });
      for (const list of input.lists ?? []) site.lists.push(newList(list, state.clock.now()));
      for (const item of input.items ?? []) site.drive.add(item, state.clock.now());
      return siteView(site);
    },
    addSiteList: (input) => {
      const site = requireSite(input.siteUrl);
      const list = newList(input, state.clock.now());
      site.lists.push(list);
      return listView(site, list);
    },
    site: (ref) => {
      const site = siteOf(ref);
      return site === undefined ? undefined : siteView(site);
    },
    sites: () => store.sites().map(siteView),
    siteLists: (ref) => {
      const site = requireSite(ref);
      return site.lists.map((l) => listView(site, l));
    },
    removeSite: (ref) => {
      const site = siteOf(ref);
      return site !== undefined && store.removeSite(site);
    },
    addCalendar: (input) => {
      const user = store.requireUser(input.user);
      return store.calendarView(user, store.addCalendar(user, input));
    },
    calendars: (ref) => {
      const user = store.requireUser(ref);
      return store.calendars(user).map((c) => store.calendarView(user, c));
    },
    denyAccess: (input) => {
      const view = denial(input);
      store.deny(view.principal, view.objectId);
      return view;
    },
    allowAccess: (input) => {
      const view = denial(input);
      return store.allow(view.principal, view.objectId);
    },
    accessDenials: () => store.denials(),
    clearAccessDenials: () => store.clearDenials(),
    addPowerBiGroup: (input) => store.addPowerBiGroup(principalOf(input.member).key, input),
    powerBiGroups: (member) => store.powerBiGroups(principalOf(member).key),
    injectGraphThrottle: (input) => state.throttles.inject(input),
    graphThrottles: () => state.throttles.list(),
    clearGraphThrottles: () => state.throttles.clear(),
    injectGraphFailure: (input) => state.failures.inject(input),
    graphFailures: () => state.failures.list(),
    removeGraphFailure: (id) => state.failures.remove(id),
    clearGraphFailures: () => state.failures.clear(),
    graphRequestCount: (filter) => state.log.count(filter),
    graphRequests: (filter) => state.log.recent(filter),
    resetGraphRequests: () => state.log.reset(),
    resetGraph: () => {
      store.reset();
      state.uploads.clear();
      state.copies.clear();
      state.workbookSessions.clear();
      state.throttles.clear();
      state.failures.clear();
      state.log.reset();
    },
  };
}
