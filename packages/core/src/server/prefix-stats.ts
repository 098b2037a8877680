/** memcached's default -D prefix delimiter. */
const DELIMITER = 0x3a; // ':'
/** memcached's PREFIX_HASH_SIZE. */
const BUCKETS = 256;

interface PrefixEntry {
  readonly prefix: string;
  get: number;
  hit: number;
  set: number;
  del: number;
}

/** MurmurHash3 x86_32, seed 0: memcached's default hash, which orders the dump. */
function murmur3(key: string): number {
  const len = key.length;
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = 0;
  const blocks = len >> 2;
  for (let i = 0; i < blocks; i++) {
    const o = i * 4;
    let k =
      (key.charCodeAt(o) & 0xff) |
      ((key.charCodeAt(o + 1) & 0xff) << 8) |
      ((key.charCodeAt(o + 2) & 0xff) << 16) |
      ((key.charCodeAt(o + 3) & 0xff) << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = blocks * 4;
  let k = 0;
  const rest = len & 3;
  if (rest > 0) {
    // murmur3's tail: the last 1-3 bytes, little-endian.
    if (rest === 3) k ^= (key.charCodeAt(tail + 2) & 0xff) << 16;
    if (rest >= 2) k ^= (key.charCodeAt(tail + 1) & 0xff) << 8;
    k ^= key.charCodeAt(tail) & 0xff;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * memcached's `stats detail` per-prefix counters: the prefix is the key up to the first ':'
 * (keys without one are not counted), and `stats detail dump` walks memcached's 256-bucket
 * table, newest prefix first within a bucket, so the order matches memcached's.
 */
export class PrefixStats {
  private buckets: PrefixEntry[][] = [];

  private find(key: string): PrefixEntry | undefined {
    let n = 0;
    while (n < key.length && key.charCodeAt(n) !== DELIMITER && key.charCodeAt(n) !== 0) n++;
    if (n === key.length || key.charCodeAt(n) !== DELIMITER) return undefined;
    const prefix = key.slice(0, n);
    const b = murmur3(prefix) % BUCKETS;
    let bucket = this.buckets[b];
    if (bucket === undefined) {
      bucket = [];
      this.buckets[b] = bucket;
    }
    for (const e of bucket) if (e.prefix === prefix) return e;
    const entry: PrefixEntry = { prefix, get: 0, hit: 0, set: 0, del: 0 };
    bucket.unshift(entry);
    return entry;
  }

  /** A get of `key`, hit or miss. */
  recordGet(key: string, hit: boolean): void {
    const e = this.find(key);
    if (e === undefined) return;
    e.get++;
    if (hit) e.hit++;
  }

  /** A storage command on `key`. */
  recordSet(key: string): void {
    const e = this.find(key);
    if (e !== undefined) e.set++;
  }

  /** A delete of `key`. */
  recordDelete(key: string): void {
    const e = this.find(key);
    if (e !== undefined) e.del++;
  }

  /** The `stats detail dump` reply. */
  dump(): string {
    let s = '';
    for (let b = 0; b < BUCKETS; b++) {
      const bucket = this.buckets[b];
      if (bucket === undefined) continue;
      for (const e of bucket)
        s += `PREFIX ${e.prefix} get ${e.get} hit ${e.hit} set ${e.set} del ${e.del}\r\n`;
    }
    return `${s}END\r\n`;
  }

  /** Forgets every prefix (`stats reset`). */
  clear(): void {
    this.buckets = [];
  }
}
