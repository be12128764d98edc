// The keys a WorkQueue holds ready to run, in two lanes served in turn (ADR 5, "Delegated
// credentials"): `fresh` keys came from an event (a new or changed object, a restart's list),
// `due` keys from the queue's own timers (a requeueAt whose time has come, a retry after backoff).
// One FIFO behind a restart's thousands of fresh keys made a due device-code poll wait for all of
// them; strict priority to due keys could starve fresh ones when timers keep firing. Taking from
// each lane in turn bounds both: a due key waits behind at most twice the due keys ahead of it,
// and a fresh key gets at least every other free worker.

export type Lane = "fresh" | "due";

/**
 * A FIFO with a moving head. Taking the first key of a Set after many deletions from its front
 * costs time proportional to the deletions (V8 skips the holes), which made a queue of 10,000 keys
 * quadratic; an array with a moving head, compacted once half is spent, does not.
 */
class Fifo {
  #items: string[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(key: string): void {
    this.#items.push(key);
  }

  shift(): string | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const key = this.#items[this.#head++];
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return key;
  }

  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
}

/** Ready keys, each waiting once, in one of two lanes. */
export class Lanes {
  readonly #lanes: Record<Lane, Fifo> = { fresh: new Fifo(), due: new Fifo() };
  /** Membership: a key waits in one lane at most. */
  readonly #waiting = new Set<string>();
  /** The lane whose turn it is when both hold keys. */
  #turn: Lane = "due";

  get size(): number {
    return this.#waiting.size;
  }

  has(key: string): boolean {
    return this.#waiting.has(key);
  }

  /** Adds a key to a lane, unless it waits already (in either lane: it keeps its place). */
  add(key: string, lane: Lane): void {
    if (this.#waiting.has(key)) return;
    this.#waiting.add(key);
    this.#lanes[lane].push(key);
  }

  /** Takes the next key: from the lane whose turn it is, else from the other; the turn passes to the other lane. */
  take(): string | undefined {
    const other: Lane = this.#turn === "due" ? "fresh" : "due";
    const lane = this.#lanes[this.#turn].length > 0 ? this.#turn : other;
    const key = this.#lanes[lane].shift();
    if (key === undefined) return undefined;
    this.#waiting.delete(key);
    this.#turn = lane === "due" ? "fresh" : "due";
    return key;
  }

  clear(): void {
    this.#waiting.clear();
    this.#lanes.fresh.clear();
    this.#lanes.due.clear();
  }
}
