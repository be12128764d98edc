// QuickXorHash, the content hash OneDrive and SharePoint report as `file.hashes.quickXorHash`.
// Algorithm as Microsoft documents it ("QuickXorHash" code snippet, OneDrive developer docs:
// https://learn.microsoft.com/onedrive/developer/code-snippets/quickxorhash): a 160-bit value;
// each byte is XORed in at a bit position that advances by 11 per byte (wrapping around the 160
// bits); at the end the input's length, as a 64-bit little-endian integer, is XORed into the last
// 8 bytes; the 20 bytes are given in base64. No npm package for it exists (`quickxorhash`: 404).
//
// Streaming, constant memory: byte i lands at bit (11 * i) mod 160, which depends only on
// i mod 160, so update() only XORs each byte into one of 160 slots, and digest() places the
// 160 slots at their bit positions.

const widthBytes = 20; // 160 bits
const widthBits = widthBytes * 8;
const shift = 11;

export class QuickXorHash {
  /** Slot j: the XOR of every byte whose index is j modulo 160. */
  readonly #slots = new Uint8Array(widthBits);
  #length = 0;
  #done = false;

  /** Adds a chunk (any size; chunk boundaries do not change the digest). */
  update(chunk: Uint8Array): this {
    if (this.#done) throw new Error("QuickXorHash: update() after digest()");
    const slots = this.#slots;
    let slot = this.#length % widthBits;
    for (let i = 0; i < chunk.length; i++) {
      slots[slot] = (slots[slot] as number) ^ (chunk[i] as number);
      if (++slot === widthBits) slot = 0;
    }
    this.#length += chunk.length;
    return this;
  }

  /** The hash in base64 (28 characters); the hasher cannot be used after. */
  digest(): string {
    this.#done = true;
    const out = Buffer.alloc(widthBytes);
    this.#slots.forEach((value, slot) => {
      // Slot j's byte starts at bit 11j mod 160 (little-endian) and may spill into the next byte;
      // 160 is a multiple of 8, so the wrap-around is whole bytes.
      const bit = (slot * shift) % widthBits;
      const at = bit >> 3;
      const offset = bit & 7;
      out[at] = (out[at] as number) ^ ((value << offset) & 0xff);
      if (offset !== 0) {
        const next = (at + 1) % widthBytes;
        out[next] = (out[next] as number) ^ (value >> (8 - offset));
      }
    });
    const tail = out.readBigUInt64LE(widthBytes - 8) ^ BigInt(this.#length);
    out.writeBigUInt64LE(tail, widthBytes - 8);
    return out.toString("base64");
  }
}

/** The QuickXorHash (base64) of chunks, a stream or any (async) iterable of buffers. */
export async function quickXorHashOf(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<string> {
  const hash = new QuickXorHash();
  for await (const chunk of chunks) hash.update(chunk);
  return hash.digest();
}
