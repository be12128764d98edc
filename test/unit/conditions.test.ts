// The order of status.conditions is the same on every machine: by code unit, not by the locale of
// the process (localeCompare would put "accessReview" before "Ready" and depend on LANG).
import { describe, expect, it } from "vitest";
import { setCondition } from "../../src/controller/conditions.ts";

const now = new Date("2026-12-03T10:00:00Z");
const set = (types: readonly string[]): string[] =>
  types
    .reduce(
      (conditions, type) => setCondition(conditions, { type, status: "True", reason: "Seen", message: "" }, 1, now),
      [] as ReturnType<typeof setCondition>,
    )
    .map((c) => c.type);

describe("setCondition", () => {
  it("orders conditions by type in code-unit order, whatever order they were set in", () => {
    expect(set(["Ready", "Broken", "TokenSecretConflict"])).toEqual(["Broken", "Ready", "TokenSecretConflict"]);
    expect(set(["accessReview", "Ready", "Broken"])).toEqual(["Broken", "Ready", "accessReview"]);
  });

  it("replaces a condition of the same type in place of the old one, keeping the order", () => {
    expect(set(["Ready", "Broken", "Ready"])).toEqual(["Broken", "Ready"]);
  });
});
