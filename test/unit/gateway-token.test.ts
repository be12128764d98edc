// The gateway uses a token only from the credential's own token Secret: a Secret that someone else
// made under that name (or of another type) is never sent to Microsoft as the credential.
import { describe, expect, it } from "vitest";
import { tokenOf } from "../../src/gateway/credentials.ts";

const UID = "6f1c2a44-0000-4000-8000-000000000001";
const b64 = (text: string): string => Buffer.from(text).toString("base64");
const data = { "access-token": b64("graph-token-value"), "expires-at": b64("2100-01-01T00:00:00Z") };
const owner = (uid: string, controller = true) => ({ ownerReferences: [{ uid, controller }] });

describe("the token the gateway sends for a credential", () => {
  it("is the Graph token of the credential's own token Secret", () => {
    const secret = { type: "cloudcredentials.io/access-token", metadata: owner(UID), data };
    expect(tokenOf(secret, UID, "graph")).toEqual({
      token: "graph-token-value",
      expiresAt: Date.parse("2100-01-01T00:00:00Z"),
    });
  });

  it.each([
    ["owned by another object", { type: "cloudcredentials.io/access-token", metadata: owner("someone-else"), data }],
    [
      "owned, but not as its controller",
      { type: "cloudcredentials.io/access-token", metadata: owner(UID, false), data },
    ],
    ["of another type", { type: "Opaque", metadata: owner(UID), data }],
    ["without an owner", { type: "cloudcredentials.io/access-token", data }],
  ])("is none from a Secret %s", (_, secret) => {
    expect(tokenOf(secret, UID, "graph")).toBeUndefined();
  });

  it("is none for Power BI when the Secret holds only Graph's", () => {
    expect(
      tokenOf({ type: "cloudcredentials.io/access-token", metadata: owner(UID), data }, UID, "powerBi"),
    ).toBeUndefined();
  });
});
