// Generated content's QuickXorHash, computed from the seed without reading the bytes, is the
// hash of the bytes a download streams (every size class: empty, under 8 bytes, under a block,
// whole blocks, each residue of the 5-block cycle, and several MiB).
import { describe, expect, it } from "vitest";
import { QuickXorHash } from "../../src/sync/quick-xor-hash.ts";
import { blockSize, generatedChunks, generatedQuickXorHash } from "../fakes/graph/generated.ts";

function streamed(seed: string, size: number, salt = 0): string {
  const hash = new QuickXorHash();
  for (const chunk of generatedChunks(seed, 0, size, salt)) hash.update(chunk);
  return hash.digest();
}

describe("generated content's QuickXorHash", () => {
  const sizes = [0, 1, 7, 8, 159, 160, 161, 1000, blockSize - 1, blockSize, blockSize + 3];
  const blocks = [2, 3, 4, 5, 6, 7, 10, 11].flatMap((n) => [n * blockSize, n * blockSize + 12_345]);
  for (const size of [...sizes, ...blocks, 5 * 1024 * 1024 + 17])
    it(`matches the streamed bytes at ${size} bytes`, () => {
      expect(generatedQuickXorHash(`seed-${size}`, size)).toBe(streamed(`seed-${size}`, size));
    });

  for (const size of [0, 5, 1000, 3 * blockSize, 3 * blockSize + 4, 7 * blockSize + 999])
    it(`matches the streamed bytes with a salt at ${size} bytes`, () => {
      expect(generatedQuickXorHash("tree", size, 4321)).toBe(streamed("tree", size, 4321));
    });

  it("differs between salts of one seed (files of one tree)", () => {
    expect(generatedQuickXorHash("tree", 100_000, 1)).not.toBe(generatedQuickXorHash("tree", 100_000, 2));
  });

  it("differs between seeds and sizes, and ranges are slices of the whole", () => {
    expect(generatedQuickXorHash("a", 100_000)).not.toBe(generatedQuickXorHash("b", 100_000));
    expect(generatedQuickXorHash("a", 100_000)).not.toBe(generatedQuickXorHash("a", 100_001));
    const whole = Buffer.concat([...generatedChunks("r", 0, 3 * blockSize)]);
    const part = Buffer.concat([...generatedChunks("r", blockSize - 5, 2 * blockSize + 9)]);
    expect(part.equals(whole.subarray(blockSize - 5, 2 * blockSize + 9))).toBe(true);
  });
});
