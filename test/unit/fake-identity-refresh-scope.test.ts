// A refresh without `scope`, as golang.org/x/oauth2 (rclone) sends it: the fake answers with the
// scopes of the original grant (what the real service does), keeps them through rotations, and
// still checks everything else (another client's token is AADSTS70000; no token at all, 900144).
import { describe, expect, it } from "vitest";
import {
  call,
  clientId,
  expectError,
  refresh,
  signIn,
  startDelegatedFake,
  verified,
} from "./fake-identity-delegated-setup.ts";
import { graphResource } from "../fakes/index.ts";

startDelegatedFake();

function refreshWithoutScope(refreshToken: string, client = clientId) {
  return call("POST", "/organizations/oauth2/v2.0/token", {
    form: { grant_type: "refresh_token", client_id: client, refresh_token: refreshToken },
  });
}

describe("refresh without scope", () => {
  it("answers with the scopes of the original grant, through every rotation", async () => {
    const first = await signIn();
    const answer = await refreshWithoutScope(String(first["refresh_token"]));
    expect(answer.status, answer.text).toBe(200);
    expect(String(answer.body["scope"]).split(" ").sort()).toEqual(String(first["scope"]).split(" ").sort());
    const claims = verified(answer.body["access_token"]);
    expect(claims["aud"]).toBe(graphResource);
    expect(String(claims["scp"]).split(" ").sort()).toEqual(["Files.ReadWrite", "User.Read"]);
    const again = await refreshWithoutScope(String(answer.body["refresh_token"]));
    expect(again.status, again.text).toBe(200);
    expect(again.body["scope"]).toBe(answer.body["scope"]);
  });

  it("keeps the original grant's scopes after a refresh that asked for fewer", async () => {
    const first = await signIn();
    const narrow = await refresh(String(first["refresh_token"]), `${graphResource}/User.Read`);
    expect(narrow.status, narrow.text).toBe(200);
    const answer = await refreshWithoutScope(String(narrow.body["refresh_token"]));
    expect(String(answer.body["scope"]).split(" ").sort()).toEqual(String(first["scope"]).split(" ").sort());
  });

  it("still refuses an unknown token (70000) and a missing one (900144)", async () => {
    expectError(await refreshWithoutScope("1.Anot-a-token"), 400, "invalid_grant", 70000);
    const missing = await call("POST", "/organizations/oauth2/v2.0/token", {
      form: { grant_type: "refresh_token", client_id: clientId },
    });
    expectError(missing, 400, "invalid_request", 900144);
  });
});
