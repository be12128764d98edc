// A Secret of someone else (no ownerReference to the credential, no label of the operator) under a
// delegated credential's token or state Secret name, written as the attack: it is there before the
// credential, and the operator must report TokenSecretConflict before anyone is shown a code, and
// never write over it. Since issue 16 this is answered from the referenced-Secret cache when it can
// (no request before a sign-in starts), so each way the cache can learn the name is tried: listed
// after the credential was known (created before the operator started), a name new since (read
// once by name), and a cache that has not seen the Secret yet (its lag), where the write refuses.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CoreV1Api, type V1Secret } from "@kubernetes/client-node";
import { loadKubeConfig } from "../../src/kube/client.ts";
import { isAlreadyExists } from "../../src/kube/errors.ts";
import { parseCredential, type RawCredential } from "../../src/controller/microsoft-credential/parse.ts";
import {
  blockedSignIn,
  StateSecretConflict,
  writeState,
  type NameDeps,
} from "../../src/controller/microsoft-credential/state.ts";
import { writeTokenSecret, type WriteDeps } from "../../src/controller/microsoft-credential/write.ts";
import type { Credential } from "../../src/controller/microsoft-credential/types.ts";
import { ownedNames } from "../../src/controller/names.ts";
import { consumersTenantId, graphResource, type FakeIdentity } from "../fakes/index.ts";
import { credential } from "../fixtures/index.ts";
import { createNamespace } from "./namespace.ts";
import { startOperator, type InProcessOperator } from "./operator-fixture.ts";
import { operatorKubeconfig } from "./operator-rbac.ts";
import { startSignInFake } from "./sign-in.ts";
import { apply, conditionOf, getJson, waitForCondition, type Json } from "./wait.ts";

const kubeconfig = inject("kubeconfig");
const controlPlane = inject("controlPlane");
const CLIENT = "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f";
const TENANT = "6d7e8f9a-0b1c-4d2e-8f3a-4b5c6d7e8f9a";
const SOMEONE_ELSES = "someone else's";
let namespace = "";
let fake: FakeIdentity;
let running: InProcessOperator | undefined;

/** An unlabelled Secret without an ownerReference: a person's, a Helm chart's, anyone's but ours. */
const foreign = (name: string): Json => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name },
  stringData: { "access-token": SOMEONE_ELSES, "msal-cache": SOMEONE_ELSES },
});

/** The Secret's data and owners as the API server has them. */
async function contents(name: string): Promise<{ data: unknown; owners: unknown; labels: unknown }> {
  const secret = await getJson(kubeconfig, ["secret", name, "-n", namespace]);
  const metadata = (secret?.["metadata"] ?? {}) as Json;
  return { data: secret?.["data"], owners: metadata["ownerReferences"], labels: metadata["labels"] };
}

/** Both foreign Secrets untouched: someone else's data, no ownerReference, no label. */
async function expectUntouched(name: string): Promise<void> {
  const { data, owners, labels } = await contents(name);
  const values = Object.values((data ?? {}) as Record<string, string>).map((v) => Buffer.from(v, "base64").toString());
  expect(values).toEqual([SOMEONE_ELSES, SOMEONE_ELSES]);
  expect(owners).toBeUndefined();
  expect(labels).toBeUndefined();
}

/** Broken TokenSecretConflict naming the Secret in the way; no code in status. */
async function expectConflict(name: string, secretName: string): Promise<void> {
  const broken = await waitForCondition(kubeconfig, [namespace, name], {
    type: "Broken",
    status: "True",
    reason: "TokenSecretConflict",
  });
  expect(conditionOf(broken, "Broken")?.message).toContain(`kubectl -n ${namespace} delete secret ${secretName}`);
  expect((broken["status"] as Json)["signIn"]).toBeUndefined();
  expect(conditionOf(broken, "SignInPending")?.status).not.toBe("True");
  await expectUntouched(secretName);
}

beforeAll(async () => {
  namespace = await createNamespace(kubeconfig, "taken");
  fake = await startSignInFake(
    { id: TENANT, domains: ["taken.onmicrosoft.com"] },
    {
      clientId: CLIENT,
      signInAudience: "AzureADandPersonalMicrosoftAccount",
      delegatedPermissions: { [graphResource]: ["User.Read", "Files.ReadWrite"] },
    },
    [{ tenantId: consumersTenantId, userPrincipalName: "ivy@outlook.com", kind: "personal" }],
  );
  // Before the operator starts: its referenced-Secret cache lists them once the credentials are known.
  await apply(kubeconfig, namespace, foreign("early-token"));
  await apply(kubeconfig, namespace, foreign("quiet-state"));
  await apply(kubeconfig, namespace, credential("early"));
  await apply(kubeconfig, namespace, credential("quiet"));
  const asOperator = await operatorKubeconfig(kubeconfig, controlPlane, namespace);
  running = await startOperator(asOperator, namespace, fake, ["--microsoft-client-id", CLIENT]);
});

afterAll(async () => {
  await running?.stop();
  await fake?.close();
});

describe("a Secret of someone else under a delegated credential's name, there before the credential", () => {
  it("before the operator started (answered from its cache): TokenSecretConflict for the token and the state Secret name, no code asked for or shown, nothing written over", async () => {
    await expectConflict("early", "early-token");
    await expectConflict("quiet", "quiet-state");
    expect(fake.requestCount({ endpoint: "devicecode" })).toBe(0);
  });

  it("while the operator runs (a name new to its cache, read once): the same", async () => {
    const codes = fake.requestCount({ endpoint: "devicecode" });
    await apply(kubeconfig, namespace, foreign("late-token"));
    await apply(kubeconfig, namespace, foreign("later-state"));
    await apply(kubeconfig, namespace, credential("late"));
    await apply(kubeconfig, namespace, credential("later"));
    await expectConflict("late", "late-token");
    await expectConflict("later", "later-state");
    expect(fake.requestCount({ endpoint: "devicecode" })).toBe(codes);
  });
});

describe("a Secret of someone else the cache has not seen yet (its lag)", () => {
  /** The credential as the operator reads it, and write access as the operator has it. */
  async function setUp(name: string): Promise<{ c: Credential; deps: WriteDeps; reads: () => number }> {
    await apply(kubeconfig, namespace, foreign(`${name}-token`));
    await apply(kubeconfig, namespace, foreign(`${name}-state`));
    await apply(kubeconfig, namespace, credential(name));
    const parsed = parseCredential((await getJson(kubeconfig, ["mscred", name, "-n", namespace])) as RawCredential);
    if ("error" in parsed) throw new Error(parsed.error);
    const asOperator = await operatorKubeconfig(kubeconfig, controlPlane, namespace);
    const core = loadKubeConfig({ inCluster: false, kubeconfig: asOperator }).makeApiClient(CoreV1Api);
    let reads = 0;
    const counted = new Proxy(core, {
      get: (target, key, receiver): unknown => {
        const value: unknown = Reflect.get(target, key, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]): unknown => {
          reads++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const deps = { core: counted, custom: undefined, events: undefined } as unknown as WriteDeps;
    return { c: parsed.credential, deps, reads: () => reads };
  }

  it("blockedSignIn, from a cache that answers for the names but has not seen the Secrets, lets the sign-in start without a request; the state write then refuses (StateSecretConflict) and changes nothing", async () => {
    const { c, deps, reads } = await setUp("lagging");
    // A covered name missing from the cache: exactly what the operator sees in the lag window.
    const lagging: NameDeps = {
      ...deps,
      referencedSecrets: new Map(),
      coveredNames: { covered: () => true, beforeRead: () => () => undefined },
    };
    const names = ownedNames(c);
    const ctx = { credential: c, secret: undefined, stateSecret: undefined, facts: { names } };
    expect(await blockedSignIn(lagging, ctx)).toBeUndefined();
    expect(reads()).toBe(0);
    // The code asked for next is written to the state Secret before status or an Event show it:
    // refused there, it is never shown (DelegatedFlow reports TokenSecretConflict instead).
    const signIn = { purpose: "initial", tenant: "consumers", clientId: CLIENT, expiresAt: Date.now() } as const;
    await expect(writeState(deps, c, { signIn }, undefined)).rejects.toBeInstanceOf(StateSecretConflict);
    await expectUntouched(names.stateSecret);
  });

  it("the token Secret write creates, never updates, a Secret missing from the cache: AlreadyExists, the Secret unchanged (TokenFlow reports TokenSecretConflict)", async () => {
    const { c, deps } = await setUp("behind");
    const write = writeTokenSecret(deps, c, {
      name: ownedNames(c).tokenSecret,
      data: { "access-token": Buffer.from("ours").toString("base64") },
      current: undefined as V1Secret | undefined,
    });
    const error: unknown = await write.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAlreadyExists(error)).toBe(true);
    await expectUntouched(ownedNames(c).tokenSecret);
  });

  it("and a cache that has seen them answers without a request", async () => {
    const { c, deps, reads } = await setUp("seen");
    const names = ownedNames(c);
    const cached = (name: string): [string, { metadata: { name: string; namespace: string } }] => [
      `${namespace}/${name}`,
      { metadata: { name, namespace } },
    ];
    const seen: NameDeps = {
      ...deps,
      referencedSecrets: new Map([cached(names.tokenSecret), cached(names.stateSecret)]),
      coveredNames: { covered: () => true, beforeRead: () => () => undefined },
    };
    const ctx = { credential: c, secret: undefined, stateSecret: undefined, facts: { names } };
    expect(await blockedSignIn(seen, ctx)).toEqual({ taken: names.tokenSecret });
    expect(await blockedSignIn(seen, { ...ctx, facts: { names: { ...names, tokenSecret: "free-name" } } })).toEqual({
      taken: names.stateSecret,
    });
    expect(reads()).toBe(0);
  });
});
