/**
 * A small deterministic PRNG (mulberry32 seeded by FNV-1a of the seed's text): the same seed
 * gives the same sequence on every machine and Node version, which Math.random cannot.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: string | number) {
    let hash = 0x811c9dc5;
    for (const char of String(seed)) {
      hash ^= char.codePointAt(0)!;
      hash = Math.imul(hash, 0x01000193);
    }
    this.state = hash >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** `length` characters drawn from `alphabet` (for short strings; see `hex`/`digits` for long ones). */
  chars(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.next() * alphabet.length)];
    return out;
  }

  /** `length` lowercase hex digits; built from 8-digit chunks, as per-character strings are slow at 100k ids. */
  hex(length: number): string {
    return this.chunked(length, 16, 8);
  }

  digits(length: number): string {
    return this.chunked(length, 10, 9);
  }

  private chunked(length: number, radix: number, chunkLength: number): string {
    const chunkRange = radix ** chunkLength;
    const parts: string[] = [];
    for (let left = length; left > 0; left -= chunkLength) {
      parts.push(Math.floor(this.next() * chunkRange).toString(radix).padStart(chunkLength, '0'));
    }
    const out = parts.join('');
    return out.length === length ? out : out.slice(0, length);
  }
}
