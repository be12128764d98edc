import { describe, expect, it } from "vitest";
import {
  compareListings,
  countKinds,
  describeDiff,
  parseBytes,
  parseTimeVerbose,
  requestKind,
  spreadSample,
} from "../../bench/sync-parse.ts";

describe("the sync benchmark's parsing", () => {
  it("reads sizes with SI and binary suffixes", () => {
    expect(parseBytes("1000")).toBe(1000);
    expect(parseBytes("64Mi")).toBe(64 * 2 ** 20);
    expect(parseBytes("2Gi")).toBe(2 * 2 ** 30);
    expect(parseBytes("500k")).toBe(500_000);
    expect(parseBytes("1.5Ki")).toBe(1536);
    expect(parseBytes("1.5")).toBeUndefined();
    expect(parseBytes("5X")).toBeUndefined();
    expect(parseBytes("")).toBeUndefined();
    expect(parseBytes("-1")).toBeUndefined();
  });

  it("reads GNU time's -v report", () => {
    const text = [
      '\tCommand being timed: "rclone sync fake:/Bench /tmp/x"',
      "\tUser time (seconds): 12.34",
      "\tSystem time (seconds): 5.60",
      "\tElapsed (wall clock) time (h:mm:ss or m:ss): 0:21.02",
      "\tMaximum resident set size (kbytes): 102400",
      "\tExit status: 0",
    ].join("\n");
    expect(parseTimeVerbose(text)).toEqual({ maxRssMb: 100, userSeconds: 12.34, systemSeconds: 5.6, exitStatus: 0 });
    expect(parseTimeVerbose("Command exited with non-zero status 1\n")).toBeUndefined();
  });

  it("tells the kinds of Graph requests apart", () => {
    const drive = "/v1.0/drives/b!abc";
    expect(requestKind(`${drive}/root/delta`, 200)).toBe("delta");
    expect(requestKind(`${drive}/items/01ABC/delta`, 400)).toBe("error");
    expect(requestKind(`${drive}/items/01ABC/delta(token='x')`, 200)).toBe("delta");
    expect(requestKind(`${drive}/items/01ABC/children`, 200)).toBe("children");
    expect(requestKind(`${drive}/items/01ABC/content`, 302)).toBe("content");
    expect(requestKind("/_layouts/15/download.aspx", 200)).toBe("download");
    expect(requestKind(`${drive}/root`, 200)).toBe("item");
    expect(requestKind(`${drive}/items/01ABC:/Bench:`, 200)).toBe("item");
    expect(requestKind(`${drive}/root:/Bench`, 200)).toBe("item");
    expect(requestKind(`${drive}/items/01ABC`, 200)).toBe("item");
    expect(requestKind(drive, 200)).toBe("drive");
    expect(requestKind("/v1.0/me/drive", 200)).toBe("drive");
    expect(requestKind("/v1.0/$batch", 200)).toBe("batch");
    expect(requestKind("/v1.0/me", 200)).toBe("other");
    expect(
      countKinds([
        { path: "/_layouts/15/download.aspx", status: 200 },
        { path: "/_layouts/15/download.aspx", status: 200 },
        { path: `${drive}/root/delta`, status: 200 },
      ]),
    ).toEqual({ download: 2, delta: 1 });
  });

  it("says how a synced folder differs from the drive", () => {
    const expected = new Map([
      ["a.bin", 1],
      ["d0/b.bin", 2],
      ["d0/c.bin", 3],
    ]);
    const actual = new Map([
      ["a.bin", 1],
      ["d0/b.bin", 5],
      ["d1/x.bin", 9],
    ]);
    const diff = compareListings(expected, actual);
    expect(diff).toEqual({ missing: ["d0/c.bin"], extra: ["d1/x.bin"], wrongSize: ["d0/b.bin"] });
    expect(describeDiff(diff)).toBe("1 missing (d0/c.bin); 1 extra (d1/x.bin); 1 of another size (d0/b.bin)");
    expect(describeDiff(compareListings(expected, expected))).toBe("");
    const many = compareListings(new Map(["1", "2", "3", "4"].map((p) => [p, 0])), new Map());
    expect(describeDiff(many)).toBe("4 missing (1, 2, 3, …)");
  });

  it("spreads a sample over the files", () => {
    expect(spreadSample(3, 5)).toEqual([0, 1, 2]);
    expect(spreadSample(10, 5)).toEqual([0, 2, 4, 6, 8]);
    expect(spreadSample(0, 5)).toEqual([]);
  });
});
