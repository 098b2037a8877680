import { MemcachedError } from '../errors.js';

/** A server on the ring. */
export interface RingNode {
  /** `"host:port"`, the server's identity everywhere in the client. */
  id: string;
  host: string;
  port: number;
  /** Relative share of the keys (libmemcached's server weight); a positive integer. */
  weight: number;
}

/** Options of {@link KetamaRing}. */
export interface KetamaRingOptions {
  /**
   * Point-label scheme. `libmemcached` (`host-i`, or `host:port-i` off port 11211) is what
   * libmemcached, pylibmc, PHP's memcached and twemproxy use; `spymemcached` (`/host:port-i`)
   * matches Java's spymemcached (libmemcached's `MEMCACHED_KETAMA_COMPAT_SPY`).
   * @default 'libmemcached'
   */
  compat?: 'libmemcached' | 'spymemcached' | undefined;
}

// libmemcached: MEMCACHED_POINTS_PER_SERVER_KETAMA, 4 points taken from each 16-byte MD5.
const POINTS_PER_SERVER = 160;
const POINTS_PER_HASH = 4;
const DEFAULT_PORT = 11211;
// Sort key = point * 2^16 + node index, exact in a double, so one numeric typed-array sort orders
// by point then by server order, as libmemcached's continuum_item_cmp does.
const INDEX_SCALE = 0x10000;
const f32 = Math.fround;

/**
 * libmemcached-compatible weighted ketama (MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED): a Node service
 * places keys on the same servers as C, PHP and Python clients sharing the fleet. Keys are hashed
 * with MD5 (first 4 bytes, little-endian) and go to the first point at or after the hash,
 * wrapping at the top. Immutable: build a new ring when the server set changes.
 */
export class KetamaRing {
  /** Number of servers on the ring. */
  readonly size: number;
  readonly #nodes: readonly RingNode[];
  readonly #points: Uint32Array;
  readonly #owners: Uint16Array;

  /**
   * @throws {RangeError} on a weight that is not a positive integer or over 65535 servers.
   */
  constructor(nodes: readonly RingNode[], options: KetamaRingOptions = {}) {
    if (nodes.length >= INDEX_SCALE) {
      throw new RangeError(`KetamaRing supports at most ${INDEX_SCALE - 1} servers.`);
    }
    this.#nodes = [...nodes];
    this.size = nodes.length;
    const spy = options.compat === 'spymemcached';

    let totalWeight = 0;
    for (const node of nodes) {
      if (!Number.isInteger(node.weight) || node.weight < 1 || node.weight > 0xffffffff) {
        throw new RangeError(
          `Invalid weight for server "${node.id}": expected a positive integer, got ${node.weight}.`,
        );
      }
      totalWeight += node.weight;
    }

    const perServer = nodes.map((node) => pointCount(node.weight, totalWeight, nodes.length));
    const total = perServer.reduce((a, b) => a + b, 0);
    const keys = new Float64Array(total);
    let k = 0;
    nodes.forEach((node, index) => {
      const hashes = (perServer[index] ?? 0) / POINTS_PER_HASH;
      for (let i = 0; i < hashes; i++) {
        const digest = md5(pointLabel(node, i, spy));
        for (let x = 0; x < POINTS_PER_HASH; x++) {
          keys[k++] = (digest[x] as number) * INDEX_SCALE + index;
        }
      }
    });
    keys.sort();
    this.#points = new Uint32Array(total);
    this.#owners = new Uint16Array(total);
    for (let i = 0; i < total; i++) {
      const key = keys[i] ?? 0;
      this.#owners[i] = key % INDEX_SCALE;
      this.#points[i] = Math.floor(key / INDEX_SCALE);
    }
  }

  /**
   * The server that owns `key` (the wire key: hashed as its UTF-8 bytes).
   * @throws {MemcachedError} `ERR_MEMCACHED_NO_SERVERS` when the ring is empty.
   */
  nodeFor(key: string): RingNode {
    const points = this.#points;
    const n = points.length;
    if (n === 0) throw new MemcachedError('ERR_MEMCACHED_NO_SERVERS', 'No servers on the ring.');
    // Every point of a one-server ring is its own: skip the hash.
    if (this.size === 1) return this.#nodes[0] as RingNode;
    const h = keyHash(key);
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((points[mid] as number) < h) lo = mid + 1;
      else hi = mid;
    }
    return this.#nodes[this.#owners[lo === n ? 0 : lo] as number] as RingNode;
  }

  /** Number of points owned by each server, by id (for tests and diagnostics). */
  pointCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const node of this.#nodes) counts.set(node.id, 0);
    for (const owner of this.#owners) {
      const id = (this.#nodes[owner] as RingNode).id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  }
}

/** The hash a key is placed by: MD5's first 4 bytes, little-endian (libhashkit's `md5`). */
export function keyHash(key: string): number {
  return md5(key)[0] as number;
}

// libmemcached computes the share in 32-bit floats; in doubles 1/7 of 7 servers floors to 39
// hashes instead of 40, so every step is rounded to float to place keys exactly as it does.
function pointCount(weight: number, totalWeight: number, liveServers: number): number {
  const pct = f32(f32(weight) / f32(totalWeight));
  const scaled = f32(f32(f32(f32(pct * POINTS_PER_SERVER) / POINTS_PER_HASH) * f32(liveServers)));
  return Math.floor(f32(scaled + f32(0.0000000001))) * POINTS_PER_HASH;
}

function pointLabel(node: RingNode, i: number, spy: boolean): string {
  if (spy) return `/${node.host}:${node.port}-${i}`;
  return node.port === DEFAULT_PORT ? `${node.host}-${i}` : `${node.host}:${node.port}-${i}`;
}

// MD5 in JS: node:crypto costs ~2 µs a call in setup overhead, ~10× this on short keys, and
// placement runs on every request. Returns the digest as 4 little-endian words (A, B, C, D),
// which is how ketama reads it; the array is reused by the next call.
const SHIFTS = Uint8Array.from([7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21]);
const SINES = Int32Array.from({ length: 64 }, (_, i) =>
  Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32),
);
const WORD_INDEX = Uint8Array.from({ length: 64 }, (_, i) =>
  i < 16 ? i : i < 32 ? (5 * i + 1) % 16 : i < 48 ? (3 * i + 5) % 16 : (7 * i) % 16,
);
const words = new Int32Array(16);
const digestWords = new Uint32Array(4);
let scratch = new Uint8Array(512);

function md5(text: string): Uint32Array {
  let length = text.length;
  let ascii = true;
  for (let i = 0; i < length; i++) {
    if (text.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (!ascii) length = Buffer.byteLength(text, 'utf8');
  const padded = (((length + 8) >>> 6) + 1) << 6;
  if (scratch.length < padded) scratch = new Uint8Array(padded * 2);
  const bytes = scratch;
  if (ascii) {
    for (let i = 0; i < length; i++) bytes[i] = text.charCodeAt(i);
  } else {
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).write(text, 0, 'utf8');
  }
  bytes[length] = 0x80;
  bytes.fill(0, length + 1, padded - 8);
  const bits = length * 8;
  for (let i = 0; i < 4; i++) bytes[padded - 8 + i] = (bits >>> (8 * i)) & 0xff;
  const high = Math.floor(length / 0x20000000);
  for (let i = 0; i < 4; i++) bytes[padded - 4 + i] = (high >>> (8 * i)) & 0xff;

  let a0 = 0x67452301;
  let b0 = 0xefcdab89 | 0;
  let c0 = 0x98badcfe | 0;
  let d0 = 0x10325476;
  for (let block = 0; block < padded; block += 64) {
    for (let j = 0; j < 16; j++) {
      const o = block + j * 4;
      words[j] =
        (bytes[o] as number) |
        ((bytes[o + 1] as number) << 8) |
        ((bytes[o + 2] as number) << 16) |
        ((bytes[o + 3] as number) << 24);
    }
    let a = a0;
    let b = b0;
    let c = c0;
    let d = d0;
    // Four rounds of 16 steps; a separate loop per round keeps the round function branch-free.
    for (let i = 0; i < 16; i++) {
      const f = (((b & c) | (~b & d)) + a + (SINES[i] as number) + (words[i] as number)) | 0;
      const s = SHIFTS[i & 3] as number;
      a = d;
      d = c;
      c = b;
      b = (b + ((f << s) | (f >>> (32 - s)))) | 0;
    }
    for (let i = 16; i < 32; i++) {
      const w = words[WORD_INDEX[i] as number] as number;
      const f = (((d & b) | (~d & c)) + a + (SINES[i] as number) + w) | 0;
      const s = SHIFTS[4 | (i & 3)] as number;
      a = d;
      d = c;
      c = b;
      b = (b + ((f << s) | (f >>> (32 - s)))) | 0;
    }
    for (let i = 32; i < 48; i++) {
      const w = words[WORD_INDEX[i] as number] as number;
      const f = ((b ^ c ^ d) + a + (SINES[i] as number) + w) | 0;
      const s = SHIFTS[8 | (i & 3)] as number;
      a = d;
      d = c;
      c = b;
      b = (b + ((f << s) | (f >>> (32 - s)))) | 0;
    }
    for (let i = 48; i < 64; i++) {
      const w = words[WORD_INDEX[i] as number] as number;
      const f = ((c ^ (b | ~d)) + a + (SINES[i] as number) + w) | 0;
      const s = SHIFTS[12 | (i & 3)] as number;
      a = d;
      d = c;
      c = b;
      b = (b + ((f << s) | (f >>> (32 - s)))) | 0;
    }
    a0 = (a0 + a) | 0;
    b0 = (b0 + b) | 0;
    c0 = (c0 + c) | 0;
    d0 = (d0 + d) | 0;
  }
  digestWords[0] = a0;
  digestWords[1] = b0;
  digestWords[2] = c0;
  digestWords[3] = d0;
  return digestWords;
}
