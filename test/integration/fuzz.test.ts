// Fuzzing against the real API server (seeded; FUZZ_SEED=<seed> replays): a few hundred generated
// MicrosoftCredentials and AccessLists, valid and hostile, are sent with server-side dry run. Each
// is accepted (and what was stored, the operator can read), or refused with a 422 whose message
// names a field, never a 5xx nor a CEL cost or evaluation error; where zod accepts the spec, only
// a CEL rule may refuse it. Then the accepted ones are created for real with the operator running:
// it never stops, every credential gets Ready and Broken (or waits for a sign-in, which has them
// too), every AccessList gets Ready, and over a quiet window the reconciles and status writes stay
// a small multiple of the objects (no hot loop), and memory does not keep growing.
import type { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { GROUP, VERSION } from "../../src/crds/index.ts";
import { loadKubeConfig } from "../../src/kube/client.ts";
import { requestJson } from "../../src/kube/raw-request.ts";
import { graphResource, startFakeIdentity, type FakeIdentity } from "../fakes/index.ts";
import { judge, mapLimit, submit, tally, type Answer, type Tally } from "../fuzz/admission.ts";
import { generateObjects, Rng, seedFromEnv, type Generated } from "../fuzz/generate.ts";
import { createNamespace } from "./namespace.ts";
import { capturedLogLines, startOperator, type InProcessOperator } from "./operator-fixture.ts";
import { waitFor } from "./wait.ts";

const kubeconfig = inject("kubeconfig");
const SEED = seedFromEnv();
const DRY_RUN_COUNT = 300;
/** At most this many are created for real (the operator reconciles each on 2 shared cores). */
const CREATE_CREDENTIALS = 100;
const CREATE_LISTS = 50;
const QUIET_WINDOW_MS = 20_000;
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT = "0f3a5d2e-8c1b-4a7e-9d6f-2b4c8e1a7f90";

type Json = Record<string, unknown>;
let namespace = "";
let kc: KubeConfig;
let fake: FakeIdentity;
let running: InProcessOperator | undefined;
let stoppedOnItsOwn = false;
const objects: Generated[] = generateObjects(new Rng(SEED), DRY_RUN_COUNT, { hostileNames: true });
let answers: Answer[] = [];

beforeAll(async () => {
  namespace = await createNamespace(kubeconfig, "fuzz");
  kc = loadKubeConfig({ inCluster: false, kubeconfig });
  fake = await startFakeIdentity();
  fake.addTenant({ id: TENANT, domains: ["contoso.onmicrosoft.com"] });
  fake.addApp({
    clientId: CLIENT,
    tenantId: TENANT,
    allowPublicClientFlows: true,
    signInAudience: "AzureADandPersonalMicrosoftAccount",
    delegatedPermissions: { [graphResource]: ["User.Read", "Files.ReadWrite", "Calendars.ReadWrite"] },
  });
  answers = await mapLimit(objects, 6, (g) => submit(kc, namespace, g, true));
});

afterAll(async () => {
  await running?.stop();
  await fake?.close();
});

const describeTally = (t: Tally): string =>
  `seed ${String(SEED)} (replay: FUZZ_SEED=${String(SEED)}): accepted ${String(t.accepted)}, rejected ${String(t.rejected)}, refused only by CEL ${String(t.celOnly)}, disagreements ${String(t.disagreements)}; problems:\n${t.problems
    .slice(0, 8)
    .map((p) => `${p.kind} ${p.name}: ${p.problem}\n  spec: ${p.spec}`)
    .join("\n")}`;

describe(`generated objects, server-side dry run (${String(DRY_RUN_COUNT)}, seed ${String(SEED)})`, () => {
  it("each is accepted (and readable by the operator as stored), or refused with a message naming a field; zod and the CRD agree but for CEL rules", () => {
    const t = tally(
      objects,
      objects.map((g, i) => judge(g, answers[i] as Answer)),
    );
    expect(t.problems.length, describeTally(t)).toBe(0);
    // Both outcomes are exercised.
    expect(t.accepted, describeTally(t)).toBeGreaterThan(DRY_RUN_COUNT / 10);
    expect(t.rejected + t.celOnly, describeTally(t)).toBeGreaterThan(DRY_RUN_COUNT / 10);
  });
});

async function list(plural: string): Promise<Json[]> {
  const body = (await requestJson(kc, `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${plural}`)) as {
    items: Json[];
  };
  return body.items;
}

const conditionTypes = (o: Json): string[] =>
  (((o["status"] as Json | undefined)?.["conditions"] ?? []) as { type: string }[]).map((c) => c.type);
const nameOf = (o: Json): string => String((o["metadata"] as Json)["name"]);
const versions = (items: readonly Json[]): Map<string, string> =>
  new Map(items.map((o) => [nameOf(o), String((o["metadata"] as Json)["resourceVersion"])]));

/** Reconciles the operator counted (cloudcredentials_reconcile_duration_seconds_count, every result). */
async function reconcileCount(): Promise<number> {
  const text = await fetch(`http://127.0.0.1:${String(running?.operator.httpPort())}/metrics`).then((r) => r.text());
  return [...text.matchAll(/^cloudcredentials_reconcile_duration_seconds_count\{[^}]*\} (\d+)$/gm)].reduce(
    (sum, m) => sum + Number(m[1]),
    0,
  );
}

/** Objects whose resourceVersion changed between two listings, and how often (by listing every second). */
async function watchWindow(ms: number): Promise<{ changes: Map<string, number>; heap: number[] }> {
  const changes = new Map<string, number>();
  const heap: number[] = [];
  let last = versions([...(await list("microsoftcredentials")), ...(await list("accesslists"))]);
  for (const end = Date.now() + ms; Date.now() < end;) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const now = versions([...(await list("microsoftcredentials")), ...(await list("accesslists"))]);
    for (const [name, rv] of now) if (last.get(name) !== rv) changes.set(name, (changes.get(name) ?? 0) + 1);
    last = now;
    heap.push(process.memoryUsage().heapUsed);
  }
  return { changes, heap };
}

describe("the accepted objects, created for real with the operator running", () => {
  let created: Generated[] = [];

  beforeAll(async () => {
    running = await startOperator(kubeconfig, namespace, fake, [
      "--microsoft-client-id",
      CLIENT,
      "--graph-base-url",
      `${fake.url}/v1.0`,
    ]);
    void running.operator.stopped.then(() => (stoppedOnItsOwn = true));
    const accepted = objects.filter((_, i) => answers[i]?.kind === "accepted");
    const chosen = [
      ...accepted.filter((g) => g.kind === "MicrosoftCredential").slice(0, CREATE_CREDENTIALS),
      ...accepted.filter((g) => g.kind === "AccessList").slice(0, CREATE_LISTS),
    ];
    const results = await mapLimit(chosen, 4, (g) => submit(kc, namespace, g, false));
    created = chosen.filter((_, i) => results[i]?.kind === "accepted");
  }, 120_000);

  it("every credential gets Ready and Broken, every AccessList Ready, and the operator never stops", async () => {
    const credentials = created.filter((g) => g.kind === "MicrosoftCredential").length;
    const lists = created.filter((g) => g.kind === "AccessList").length;
    expect(credentials, `seed ${String(SEED)}`).toBeGreaterThan(10);
    let missing: string[] = [];
    try {
      await waitFor(
        `Ready and Broken on ${String(credentials)} credentials, Ready on ${String(lists)} AccessLists`,
        async () => {
          const creds = await list("microsoftcredentials");
          const accessLists = await list("accesslists");
          missing = [
            ...creds
              .filter((c) => !conditionTypes(c).includes("Ready") || !conditionTypes(c).includes("Broken"))
              .map((c) => `credential ${nameOf(c)}: ${JSON.stringify(c["spec"]).slice(0, 300)}`),
            ...accessLists
              .filter((l) => !conditionTypes(l).includes("Ready"))
              .map((l) => `AccessList ${nameOf(l)}: ${JSON.stringify(l["spec"]).slice(0, 300)}`),
          ];
          // A credential the operator logged it cannot read will get no status: waiting longer shows nothing new.
          const stuck = missing.every((m) =>
            capturedLogLines.some(
              (l) => l.includes("cannot read") && l.includes(`/${(m.split(" ")[1] ?? "").replace(/:$/, "")}"`),
            ),
          );
          return (missing.length === 0 || stuck) && creds.length === credentials && accessLists.length === lists
            ? true
            : undefined;
        },
        150_000,
      );
    } catch (error) {
      throw new Error(
        `seed ${String(SEED)}: ${String(missing.length)} objects without conditions:\n${missing.slice(0, 8).join("\n")}`,
        { cause: error },
      );
    }
    expect(
      missing,
      `seed ${String(SEED)}: objects without conditions (the operator logged it cannot read these)`,
    ).toEqual([]);
    expect(stoppedOnItsOwn).toBe(false);
  }, 180_000);

  it("over a quiet window: reconciles and status writes stay a small multiple of the objects (no hot loop), memory does not keep growing", async () => {
    const before = await reconcileCount();
    const { changes, heap } = await watchWindow(QUIET_WINDOW_MS);
    const reconciles = (await reconcileCount()) - before;
    const n = created.length;
    const busiest = [...changes].sort((a, b) => b[1] - a[1]).slice(0, 5);
    const detail = `seed ${String(SEED)}: ${String(n)} objects, ${String(reconciles)} credential reconciles and ${String([...changes.values()].reduce((a, b) => a + b, 0))} object changes in ${String(QUIET_WINDOW_MS / 1000)} s; busiest ${JSON.stringify(busiest)}; heap MB ${heap.map((h) => (h / 1e6).toFixed(0)).join(" ")}`;
    // A retry backs off (1 s, 2 s, 4 s...): a handful per object in the window; a hot loop is hundreds.
    expect(reconciles, detail).toBeLessThanOrEqual(5 * n + 20);
    for (const [, count] of busiest) expect(count, detail).toBeLessThanOrEqual(6);
    // The last samples are not far above the first ones (garbage collection makes the curve saw-toothed).
    const head = Math.min(...heap.slice(0, 5));
    const tail = Math.min(...heap.slice(-5));
    expect(tail - head, detail).toBeLessThan(64e6);
    expect(stoppedOnItsOwn).toBe(false);
  }, 60_000);

  it("logs no spec the operator could not read", () => {
    const unreadable = capturedLogLines.filter(
      (l) => l.includes(namespace) && /cannot read|does not match this operator's API/.test(l),
    );
    expect(unreadable.slice(0, 5), `seed ${String(SEED)}`).toEqual([]);
  });
});
