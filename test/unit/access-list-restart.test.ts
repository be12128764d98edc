// Every time an AccessList must not ask Graph before is in its status, so a restarted operator (a
// new AccessListReconciler, its memory empty) keeps it: the wait after an interrupted pass, to the
// second the Retry-After ends, and the sooner retry of Unavailable items, whose backoff goes on
// doubling across the restart. The reconciler runs against the fake Graph through the production
// client; Kubernetes is an in-memory stand-in that stores the status written, and the clock is
// the test's.
import type { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccessListReconciler, type AccessListReconcilerDeps } from "../../src/controller/access-list/reconcile.ts";
import { nextResolution } from "../../src/controller/access-list/schedule.ts";
import type { AccessList, RawAccessList } from "../../src/controller/access-list/status.ts";
import type { RawCredential } from "../../src/controller/microsoft-credential/index.ts";
import type { Outcome } from "../../src/controller/queue.ts";
import type { AccessListStatus } from "../../src/crds/index.ts";
import type { CloudEndpoints } from "../../src/microsoft/clouds.ts";
import { addWorkUser, setUp, signIn, type Setup } from "./fake-graph-sign-in.ts";

const NS = "finance";
/** A whole second: the times below fall between status's seconds on purpose. */
const T0 = Date.parse("2026-12-01T10:00:00Z");
const b64 = (s: string): string => Buffer.from(s).toString("base64");

let setup: Setup;
let ada: string;
let token: string;

beforeAll(async () => {
  setup = await setUp();
  ada = addWorkUser(setup);
  token = (await signIn(setup.fake, ada)).graphToken;
});

afterAll(async () => {
  await setup.close();
});

/** The API server as far as the reconciler sees it: lists and a credential in caches, status writes stored. */
class World {
  clock = T0;
  readonly lists = new Map<string, RawAccessList>();
  readonly credentials = new Map<string, RawCredential>();
  readonly deps: AccessListReconcilerDeps;

  constructor() {
    this.credentials.set(`${NS}/ada`, {
      apiVersion: "cloudcredentials.io/v1alpha1",
      kind: "MicrosoftCredential",
      metadata: { name: "ada", namespace: NS, uid: "0b5e6c1a-0000-4000-8000-000000000001" },
      spec: { tenantType: "WorkOrSchool", scopes: ["OneDrive", "Excel"] },
      status: {
        tokenSecretName: "ada-token",
        account: { username: ada, homeAccountId: "x", tenantId: setup.tenantId, name: "Ada" },
        conditions: [
          {
            type: "Ready",
            status: "True",
            reason: "TokenValid",
            message: "",
            lastTransitionTime: "2026-12-01T09:00:00Z",
          },
        ],
      },
    });
    const core = {
      readNamespacedSecret: () =>
        Promise.resolve({ data: { "access-token": b64(token), "expires-at": b64("2100-01-01T00:00:00Z") } }),
    } as unknown as CoreV1Api;
    const custom = {
      replaceNamespacedCustomObjectStatus: ({ name, body }: { name: string; body: RawAccessList }) => {
        const stored = this.lists.get(`${NS}/${name}`);
        this.lists.set(`${NS}/${name}`, { ...(stored as RawAccessList), status: body.status });
        return Promise.resolve(body);
      },
    } as unknown as CustomObjectsApi;
    const endpoints = (): CloudEndpoints => ({
      authorityHost: setup.fake.url,
      graphBaseUrl: setup.fake.graphBaseUrl,
      graphResource: "https://graph.microsoft.com",
      powerBiResource: "https://analysis.windows.net/powerbi/api",
    });
    this.deps = {
      core,
      custom,
      accessLists: this.lists,
      credentials: this.credentials,
      network: setup.network,
      endpoints,
      resyncMs: 3_600_000,
      log: pino({ level: "silent" }),
      now: () => this.clock,
      itemRetryDelayMs: 1,
    };
  }

  /** A reconciler as a freshly started operator has it: nothing in memory. */
  reconciler(): AccessListReconciler {
    return new AccessListReconciler(this.deps);
  }

  add(name: string, items: unknown[]): string {
    const key = `${NS}/${name}`;
    this.lists.set(key, {
      apiVersion: "cloudcredentials.io/v1alpha1",
      kind: "AccessList",
      metadata: { name, namespace: NS, generation: 1 },
      spec: { credentialRef: { name: "ada" }, items },
    });
    return key;
  }

  /** A person edits the spec (a new generation). */
  edit(key: string): void {
    const list = this.lists.get(key) as RawAccessList;
    const generation = (list.metadata?.generation ?? 0) + 1;
    this.lists.set(key, { ...list, metadata: { ...list.metadata, generation } });
  }

  status(key: string): AccessListStatus {
    return this.lists.get(key)?.status ?? {};
  }

  /** status.nextResolveTime, in epoch ms. */
  notBefore(key: string): number {
    const at = Date.parse(this.status(key).nextResolveTime ?? "");
    expect(at, "status.nextResolveTime").not.toBeNaN();
    return at;
  }
}

const requests = (pathPrefix: string): number => setup.fake.graphRequestCount({ pathPrefix });
const at = (outcome: Outcome): number => (outcome.kind === "requeueAt" ? outcome.at : Number.NaN);
/** Whether a wait is the n-th Unavailable backoff: 30 s·2^(n−1), shortened by up to a fifth, up to the second. */
const isBackoff = (waitMs: number, n: number): boolean =>
  waitMs >= 24_000 * 2 ** (n - 1) && waitMs <= 30_000 * 2 ** (n - 1) + 1000;

describe("after an interrupted pass", () => {
  it("a restarted operator asks Graph nothing before the Retry-After ends, to the second, whatever changed", async () => {
    const world = new World();
    const busy = "/v1.0/me/drive/root:/Busy";
    setup.fake.addDriveItem({ user: ada, path: "/Busy/a.txt" });
    const key = world.add("busy", [{ name: "a", type: "File", access: "Read", path: "/Busy/a.txt" }]);
    setup.fake.injectGraphThrottle({ count: 100, retryAfterSeconds: 30, pathPrefix: busy });
    setup.fake.resetGraphRequests();

    world.clock = T0 + 500;
    const first = await world.reconciler().reconcile(key);
    expect(requests(busy)).toBe(1);
    const notBefore = world.notBefore(key);
    // Retry-After ends at T0 + 30.5 s: status, which holds seconds, says T0 + 31 s, never T0 + 30 s.
    expect(notBefore).toBe(T0 + 31_000);
    expect(at(first)).toBe(notBefore);
    expect(world.status(key).conditions?.[0]).toMatchObject({ reason: "GraphUnavailable" });

    // Restarted: a new reconciler, inside the second the Retry-After ends in, and after an edit.
    world.clock = T0 + 30_200;
    expect(at(await world.reconciler().reconcile(key))).toBe(notBefore);
    world.edit(key);
    world.clock = T0 + 10_000;
    expect(at(await world.reconciler().reconcile(key))).toBe(notBefore);
    expect(requests(busy)).toBe(1);

    // Once it is time, it asks again.
    setup.fake.clearGraphThrottles();
    world.clock = notBefore;
    expect(at(await world.reconciler().reconcile(key))).toBe(notBefore + 3_600_000);
    expect(requests(busy)).toBe(2);
    expect(world.status(key)).toMatchObject({ items: [{ name: "a", resolved: true }] });
    expect(world.status(key).nextResolveTime).toBeUndefined();
  });
});

describe("after passes that left items Unavailable", () => {
  const probe = (book: { id: string; parentReference: { driveId: string } }): string =>
    `/v1.0/drives/${book.parentReference.driveId}/items/${book.id}/workbook`;

  it("a restarted operator keeps their retry time and its backoff; an edit waits for it only after a restart", async () => {
    const world = new World();
    const book = setup.fake.addDriveItem({ user: ada, path: "/Corrupt/book.xlsx" });
    setup.fake.addDriveItem({ user: ada, path: "/Corrupt/fine.txt" });
    setup.fake.injectGraphFailure({ status: 500, pathPrefix: probe(book), always: true });
    const key = world.add("corrupt", [
      { name: "book", type: "Workbook", access: "Read", path: "/Corrupt/book.xlsx" },
      { name: "fine", type: "File", access: "Read", path: "/Corrupt/fine.txt" },
    ]);
    setup.fake.resetGraphRequests();

    // Three passes by one operator: the wait doubles from 30 s (shortened by up to a fifth).
    const running = world.reconciler();
    const waits: number[] = [];
    for (let pass = 1; pass <= 3; pass++) {
      world.clock += 400;
      const outcome = await running.reconcile(key);
      expect(world.status(key).items?.find((i) => i.name === "book")).toMatchObject({ reason: "Unavailable" });
      expect(at(outcome)).toBe(world.notBefore(key));
      waits.push(world.notBefore(key) - world.clock);
      world.clock = world.notBefore(key);
    }
    expect(waits.map((w, i) => isBackoff(w, i + 1))).toEqual([true, true, true]);
    const probes = requests(probe(book));
    expect(probes).toBe(9);

    // Restarted half a minute after the third pass (the first wait, not the third): no call yet.
    const third = world.notBefore(key);
    world.clock = Date.parse(world.status(key).lastResolvedTime ?? "") + 31_000;
    expect(world.clock).toBeLessThan(third);
    expect(at(await world.reconciler().reconcile(key))).toBe(third);
    expect(requests(probe(book))).toBe(probes);

    // At that time the restarted operator resolves, and the wait doubles again: the count is in status.
    world.clock = third;
    const restarted = world.reconciler();
    await restarted.reconcile(key);
    expect(requests(probe(book))).toBe(probes + 3);
    const fourth = world.notBefore(key);
    expect(isBackoff(fourth - third, 4), String(fourth - third)).toBe(true);

    // An edit: the operator that wrote the retry time knows it only schedules the items, and resolves
    // at once; another one, restarted, cannot tell it from an interrupted pass's and waits for it.
    world.edit(key);
    world.clock = third + 5000;
    expect(at(await world.reconciler().reconcile(key))).toBe(fourth);
    expect(requests(probe(book))).toBe(probes + 3);
    await restarted.reconcile(key);
    expect(requests(probe(book))).toBe(probes + 6);
    expect(world.status(key).observedGeneration).toBe(2);
    setup.fake.clearGraphFailures();
  });
});

describe("nextResolution, from status alone", () => {
  const list = (status: AccessListStatus, generation = 1): AccessList => ({
    raw: {},
    namespace: NS,
    name: "l",
    generation,
    spec: { credentialRef: { name: "ada" }, items: [] },
    status: {
      observedGeneration: 1,
      resolvedFor: "ada",
      lastResolvedTime: "2026-12-01T10:00:00Z",
      conditions: [
        {
          type: "Ready",
          status: "False",
          reason: "ItemsUnresolved",
          message: "",
          lastTransitionTime: "2026-12-01T10:00:00Z",
        },
      ],
      ...status,
    },
  });
  const options = { resyncMs: 3_600_000, scheduleOnly: false };

  it("a status an operator wrote before it kept the Unavailable items' time: 30 s after the pass, as then", () => {
    const items = [{ name: "book", resolved: false, reason: "Unavailable" }];
    expect(nextResolution(list({ items }), "ada", options)).toBe(T0 + 30_000);
    expect(nextResolution(list({ items: [{ name: "a", resolved: true }] }), "ada", options)).toBe(T0 + 3_600_000);
  });

  it("after an edit: now, unless an interrupted pass's time holds", () => {
    const items = [{ name: "book", resolved: false, reason: "Unavailable" }];
    const waiting = list({ items, nextResolveTime: "2026-12-01T10:05:00Z" }, 2);
    expect(nextResolution(waiting, "ada", options)).toBe(T0 + 300_000);
    expect(nextResolution(waiting, "ada", { ...options, scheduleOnly: true })).toBe(0);
    expect(nextResolution(list({ items }, 2), "ada", options)).toBe(0);
  });
});
