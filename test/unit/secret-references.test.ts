// Which names a credential writes the referenced-Secret cache answers for (references.ts): every
// name known when it lists, and a name new since only once a read by name found it free. A Secret
// of someone else that existed before its name was kept was dropped by the cache and no event
// brings it back, so an uncovered name must be read (blockedSignIn), never taken as free.
import { describe, expect, it } from "vitest";
import { SecretReferences } from "../../src/controller/microsoft-credential/references.ts";
import type { RawCredential } from "../../src/controller/microsoft-credential/parse.ts";

const NS = "team";
const credential = (name: string, tokenSecret?: string): RawCredential => ({
  metadata: { name, namespace: NS },
  spec: { tenantType: "Personal", ...(tokenSecret === undefined ? {} : { tokenSecret: { name: tokenSecret } }) },
});
const secret = (name: string, labels: Record<string, string> = {}): { metadata: object } => ({
  metadata: { name, namespace: NS, labels },
});

describe("SecretReferences: the names a credential writes", () => {
  it("keeps only unlabelled Secrets under a credential's token and state names (labelled ones are in the owned cache)", () => {
    const refs = new SecretReferences();
    refs.set(`${NS}/album`, credential("album"));
    expect(refs.isReferenced(secret("album-token"))).toBe(true);
    expect(refs.isReferenced(secret("album-state"))).toBe(true);
    expect(
      refs.isReferenced(secret("album-state", { "app.kubernetes.io/managed-by": "cloud-credentials-operator" })),
    ).toBe(false);
    expect(refs.isReferenced(secret("unrelated"))).toBe(false);
  });

  it("covers every name known when the cache lists; a credential added later is not covered until a read finds its names free", () => {
    const refs = new SecretReferences();
    refs.set(`${NS}/album`, credential("album"));
    refs.coverAll();
    expect(refs.covered(`${NS}/album-token`)).toBe(true);
    expect(refs.covered(`${NS}/album-state`)).toBe(true);

    refs.set(`${NS}/diary`, credential("diary"));
    expect(refs.covered(`${NS}/diary-token`)).toBe(false);
    const found = refs.beforeRead(`${NS}/diary-token`);
    expect(refs.covered(`${NS}/diary-token`)).toBe(false);
    found();
    expect(refs.covered(`${NS}/diary-token`)).toBe(true);
    expect(refs.covered(`${NS}/diary-state`)).toBe(false);
  });

  it("keeps a name covered while its credential is updated with the same names (every status write is an update)", () => {
    const refs = new SecretReferences();
    refs.set(`${NS}/album`, credential("album"));
    refs.coverAll();
    refs.set(`${NS}/album`, credential("album"));
    expect(refs.covered(`${NS}/album-token`)).toBe(true);
  });

  it("forgets a name no credential writes any more: written again, it is not covered", () => {
    const refs = new SecretReferences();
    refs.set(`${NS}/album`, credential("album"));
    refs.coverAll();
    refs.set(`${NS}/album`, credential("album", "photos"));
    expect(refs.covered(`${NS}/album-token`)).toBe(false);
    expect(refs.covered(`${NS}/photos`)).toBe(false);
    expect(refs.covered(`${NS}/album-state`)).toBe(true);
    refs.delete(`${NS}/album`);
    refs.set(`${NS}/album`, credential("album"));
    expect(refs.covered(`${NS}/album-state`)).toBe(false);
  });

  it("a read started before its name was dropped and taken again covers nothing (a Secret may have come in between)", () => {
    const refs = new SecretReferences();
    refs.set(`${NS}/album`, credential("album"));
    const found = refs.beforeRead(`${NS}/album-token`);
    refs.delete(`${NS}/album`);
    refs.set(`${NS}/album`, credential("album"));
    found();
    expect(refs.covered(`${NS}/album-token`)).toBe(false);
  });

  it("a name two credentials write stays covered while either does", () => {
    const refs = new SecretReferences();
    refs.set(`${NS}/album`, credential("album"));
    refs.set(`${NS}/other`, credential("other", "album-token"));
    refs.coverAll();
    refs.delete(`${NS}/album`);
    expect(refs.covered(`${NS}/album-token`)).toBe(true);
  });
});
