// QuickXorHash, the content hash OneDrive and SharePoint report as `file.hashes.quickXorHash`.
// Algorithm as Microsoft documents it ("QuickXorHash" code snippet, OneDrive developer docs:
// https://learn.microsoft.com/onedrive/developer/code-snippets/quickxorhash): a 160-bit value;
// each byte is XORed in at a bit position that advances by 11 per byte (wrapping around the 160
// bits); at the end the input's length, as a 64-bit little-endian integer, is XORed into the last
// 8 bytes; the 20 bytes are given in base64. No npm package for it exists (`quickxorhash`: 404).
// Streaming: update() with chunks of any size, constant memory (20 bytes of state).

const widthBytes = 20; // 160 bits
const widthBits = widthBytes * 8;
const shift = 11;

export class QuickXorHash {
  readonly #state = new Uint8Array(widthBytes);
  /** Where the next byte goes, in bits from the start of the state. */
  #bit = 0;
  #length = 0;
  #done = false;

  /** Adds a chunk (any size; chunk boundaries do not change the digest). */
  update(chunk: Uint8Array): this {
    if (this.#done) throw new Error("QuickXorHash: update() after digest()");
    const state = this.#state;
    let bit = this.#bit;
    for (const byte of chunk) {
      // The byte spans at most two state bytes; 160 is a multiple of 8, so wrapping is per byte.
      const at = bit >> 3;
      const offset = bit & 7;
      state[at] = (state[at] ?? 0) ^ ((byte << offset) & 0xff);
      if (offset !== 0) {
        const next = at + 1 === widthBytes ? 0 : at + 1;
        state[next] = (state[next] ?? 0) ^ (byte >> (8 - offset));
      }
      bit += shift;
      if (bit >= widthBits) bit -= widthBits;
    }
    this.#bit = bit;
    this.#length += chunk.length;
    return this;
  }

  /** The hash in base64 (28 characters); the hasher cannot be used after. */
  digest(): string {
    this.#done = true;
    const out = Buffer.from(this.#state);
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
