// Which keys of an upload (ID numbers, voucher numbers) occur more than once, noticed as the rows
// stream past, so the database is asked only about those instead of grouping every row of a
// million-row file. A key is remembered by a 64-bit fingerprint in an open-addressing table of
// typed arrays: 16 bytes a key at most, never the keys themselves. Two keys sharing a
// fingerprint (a few chances in 10^8 in a file of a million) are reported as repeats; the
// caller confirms repeats against the rows themselves.

const EMPTY = 0;
const MAX_LOAD = 0.5;

/** Two independent FNV-1a hashes of `key`, never 0 (0 marks an empty slot). */
function fingerprint(key: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ key.length;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return [a >>> 0 || 1, b >>> 0 || 1];
}

export class RepeatFinder {
  private high = new Uint32Array(1 << 16);
  private low = new Uint32Array(1 << 16);
  private size = 0;
  /** Keys seen more than once (or sharing a fingerprint with one seen before). */
  readonly repeats = new Set<string>();

  /** Notes `key`; true when it (probably) came before. */
  see(key: string): boolean {
    const [h, l] = fingerprint(key);
    if (this.insert(h, l)) return false;
    this.repeats.add(key);
    return true;
  }

  /** Inserts a fingerprint; false when it was there already. */
  private insert(h: number, l: number): boolean {
    if ((this.size + 1) / this.high.length > MAX_LOAD) this.grow();
    const mask = this.high.length - 1;
    for (let slot = (h ^ Math.imul(l, 0x9e3779b1)) & mask; ; slot = (slot + 1) & mask) {
      if (this.high[slot] === EMPTY) {
        this.high[slot] = h;
        this.low[slot] = l;
        this.size++;
        return true;
      }
      if (this.high[slot] === h && this.low[slot] === l) return false;
    }
  }

  private grow(): void {
    const high = this.high;
    const low = this.low;
    this.high = new Uint32Array(high.length * 2);
    this.low = new Uint32Array(low.length * 2);
    this.size = 0;
    for (let i = 0; i < high.length; i++) if (high[i] !== EMPTY) this.insert(high[i] as number, low[i] as number);
  }
}
