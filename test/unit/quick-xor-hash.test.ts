// QuickXorHash against values from independent implementations: rclone's Go port of Microsoft's
// C# snippet (github.com/rclone/rclone/backend/onedrive/quickxorhash, v1.76.0, run with `go run`
// on the same inputs outside this repository, 2026-12-03) and the example published on PyPI for
// the `quickxorhash` Python package (a wrapper of the C library libqxh).
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { QuickXorHash, quickXorHashOf } from "../../src/sync/quick-xor-hash.ts";

const hashOf = (data: Uint8Array): string => new QuickXorHash().update(data).digest();
const bytes = (length: number, at: (i: number) => number): Buffer =>
  Buffer.from(Array.from({ length }, (_, i) => at(i)));

/** 10 MiB from a 32-bit LCG (x = x * 1103515245 + 12345, byte = bits 16..23), x starting at 1. */
function lcgBytes(length: number): Buffer {
  const out = Buffer.alloc(length);
  let x = 1;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = (x >>> 16) & 0xff;
  }
  return out;
}

describe("QuickXorHash", () => {
  it.each([
    // [label, input, expected, source]
    ["empty", Buffer.alloc(0), "AAAAAAAAAAAAAAAAAAAAAAAAAAA=", "rclone"],
    ["'a'", Buffer.from("a"), "YQAAAAAAAAAAAAAAAQAAAAAAAAA=", "rclone"],
    ["'abc'", Buffer.from("abc"), "YRDDGAAAAAAAAAAAAwAAAAAAAAA=", "rclone"],
    ["'Hello, World!'", Buffer.from("Hello, World!"), "SCgDG9jwBhaA4ApvnQMbyBACAAA=", "rclone"],
    ["'hello world'", Buffer.from("hello world"), "aCgDG9jwBhDc4Q1yawMZAAAAAAA=", "PyPI quickxorhash README"],
    ["bytes 0..19 (160 bits)", bytes(20, (i) => i), "4AmQiIZEpgIY4AAIXIACFsCABjg=", "rclone"],
    ["bytes 0..20 (past 160 bits)", bytes(21, (i) => i), "4AmQiIZEpkIZ4AAIXYACFsCABjg=", "rclone"],
    ["1000 bytes (7i+3) & 255", bytes(1000, (i) => (i * 7 + 3) & 0xff), "dgD8j0n8sM0aPE5CUJ8tqmilX/E=", "rclone"],
  ])("%s", (_label, input, expected) => {
    expect(hashOf(input)).toBe(expected);
  });

  it("gives the same digest however the input is split into chunks", () => {
    const data = bytes(1000, (i) => (i * 7 + 3) & 0xff);
    const whole = hashOf(data);
    for (const size of [1, 3, 19, 20, 21, 64, 159, 160, 161, 999]) {
      const hash = new QuickXorHash();
      for (let at = 0; at < data.length; at += size) hash.update(data.subarray(at, at + size));
      expect(hash.digest(), `chunks of ${size}`).toBe(whole);
    }
    const uneven = new QuickXorHash();
    for (const [from, to] of [
      [0, 0],
      [0, 7],
      [7, 300],
      [300, 301],
      [301, 1000],
    ] as const)
      uneven.update(data.subarray(from, to));
    expect(uneven.digest()).toBe(whole);
  });

  it("hashes a 10 MiB stream, chunk by chunk", async () => {
    const data = lcgBytes(10 * 1024 * 1024);
    const stream = Readable.from(
      (function* () {
        for (let at = 0; at < data.length; at += 65_521) yield data.subarray(at, at + 65_521);
      })(),
    );
    // rclone on the same 10 MiB.
    expect(await quickXorHashOf(stream)).toBe("Hf81JCf2797DgOUKxwgvUjDHXlw=");
  });

  it("refuses input after digest()", () => {
    const hash = new QuickXorHash();
    hash.digest();
    expect(() => hash.update(Buffer.from("x"))).toThrow(/after digest/);
  });
});
