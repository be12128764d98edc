// What `kubectl mscred syncs` prints, as pure functions: sizes, the last pass, the credential's
// health, the order, and text from the cluster kept off the terminal's controls.
import { describe, expect, it } from "vitest";
import type { CredentialObject, FolderSyncObject } from "../../src/cli/cluster.ts";
import { credentialHealth, formatBytes, lastPass, renderSyncs, sortSyncs } from "../../src/cli/sync-format.ts";

const NOW = Date.parse("2026-12-03T12:00:00Z");
const condition = (
  type: string,
  status: FolderSyncConditionInput["status"],
  reason: string,
  message = reason,
): FolderSyncConditionInput => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: "2026-12-01T00:00:00Z",
});
type FolderSyncConditionInput = NonNullable<NonNullable<FolderSyncObject["status"]>["conditions"]>[number];

const sync = (name: string, credential: string, status: FolderSyncObject["status"] = {}): FolderSyncObject => ({
  metadata: { name, namespace: "finance" },
  spec: { credentialRef: { name: credential } },
  status,
});

const cred = (name: string, ...conditions: FolderSyncConditionInput[]): CredentialObject => ({
  metadata: { name, namespace: "finance" },
  status: { conditions },
});

const index = (...credentials: CredentialObject[]): Map<string, CredentialObject> =>
  new Map(credentials.map((c) => [`${c.metadata.namespace}/${c.metadata.name}`, c]));

describe("kubectl mscred syncs, rendered", () => {
  it.each([
    [0, "0 B"],
    [1023, "1023 B"],
    [1536, "1.5 KiB"],
    [47185920, "45.0 MiB"],
    [2 * 2 ** 30, "2.0 GiB"],
  ])("writes %d bytes as %s", (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it.each<[string, FolderSyncObject["status"], string]>([
    ["no pass yet", {}, "<none>"],
    [
      "a pass",
      { lastRun: { result: "Succeeded", filesAdded: 2, filesChanged: 1, filesDeleted: 0, bytes: 10 } },
      "+2 ~1 -0 files, 10 B",
    ],
    ["moves", { lastRun: { result: "Succeeded", filesMoved: 3, bytes: 0 } }, "+0 ~0 -0 >3 files, 0 B"],
    [
      "a failure",
      { lastRun: { result: "Failed", reason: "AccessRemoved" } },
      "Failed AccessRemoved: +0 ~0 -0 files, 0 B",
    ],
  ])("shows the last pass: %s", (_, status, text) => {
    expect(lastPass(sync("s", "c", status))).toBe(text);
  });

  it.each<[string, Map<string, CredentialObject> | undefined, string]>([
    ["Ready", index(cred("c", condition("Ready", "True", "TokenValid"))), "Ready"],
    [
      "Broken",
      index(cred("c", condition("Ready", "False", "MFARequired"), condition("Broken", "True", "MFARequired"))),
      "Broken: MFARequired",
    ],
    ["waiting", index(cred("c", condition("Ready", "False", "SignInPending"))), "NotReady: SignInPending"],
    ["fresh", index(cred("c")), "NotReady: Unknown"],
    ["missing", index(), "NotFound"],
    ["not readable", undefined, "?"],
  ])("gives the credential's health: %s", (_, credentials, text) => {
    expect(credentialHealth(sync("s", "c"), credentials)).toBe(text);
  });

  it("puts Broken syncs and syncs of a Broken credential first, then those not Ready", () => {
    const credentials = index(
      cred("ok", condition("Ready", "True", "TokenValid")),
      cred("bad", condition("Broken", "True", "RefreshTokenRevoked")),
    );
    const syncs = [
      sync("a-ready", "ok", { conditions: [condition("Ready", "True", "Synced")] }),
      sync("b-new", "ok"),
      sync("c-bad-credential", "bad", { conditions: [condition("Ready", "False", "CredentialNotReady")] }),
      sync("d-broken", "ok", { conditions: [condition("Broken", "True", "FolderNotFound")] }),
    ];
    expect(sortSyncs(syncs, credentials).map((s) => s.metadata.name)).toEqual([
      "c-bad-credential",
      "d-broken",
      "b-new",
      "a-ready",
    ]);
  });

  it("keeps escape sequences from the cluster off the terminal", () => {
    const hostile = sync("s", "c", {
      conditions: [
        condition("Broken", "True", "VolumeFull", "\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007\nnext"),
      ],
    });
    const lines = renderSyncs([hostile], index(), NOW);
    expect(lines.join("\n")).not.toContain("\u001b");
    expect(lines.join("\n")).not.toContain("\u0007");
    expect(lines).toContain("  click next");
  });
});
