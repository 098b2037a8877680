import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KetamaRing, keyHash, type RingNode } from '../../src/client/ketama.js';
import { MemcachedError } from '../../src/errors.js';

interface VectorConfig {
  servers: string[];
  mapping: string[];
  hashring_3_2_0_mismatching_keys: number[];
}
interface Vectors {
  generator: string;
  configs: Record<string, VectorConfig>;
}
/** `[key, md5 hash of the key, continuum point it lands on, server host]`. */
type FixtureCase = [string, number, number, string];
interface Fixture {
  ketama: FixtureCase[];
  spy: FixtureCase[];
}

function loadJson<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

const vectors = loadJson<Vectors>('ketama-vectors.json');
/** Made by fixtures/generate-ketama-vectors.py from Debian's libmemcached 1.1.4 itself. */
const extra = loadJson<{ keys: string[]; configs: Record<string, VectorConfig> }>(
  'libmemcached-extra-vectors.json',
);
const fixture = loadJson<Fixture>('libmemcached-ketama-fixture.json');

/** Parses libmemcached's `"host:port weight"` server strings. */
function node(spec: string): RingNode {
  const [address = '', weight = '1'] = spec.split(' ');
  const [host = '', port = ''] = address.split(':');
  return { id: address, host, port: Number(port), weight: Number(weight) };
}

// The pool of libmemcached's own ketama tests (tests/ketama_test_cases.h).
const libmemcachedPool = [
  '10.0.1.1:11211 600',
  '10.0.1.2:11211 300',
  '10.0.1.3:11211 200',
  '10.0.1.4:11211 350',
  '10.0.1.5:11211 1000',
  '10.0.1.6:11211 800',
  '10.0.1.7:11211 950',
  '10.0.1.8:11211 100',
].map(node);

describe('KetamaRing places keys exactly as libmemcached 1.1.4 does', () => {
  for (const [name, config] of Object.entries(vectors.configs)) {
    it(`matches all ${config.mapping.length} mappings of the "${name}" vectors`, () => {
      const ring = new KetamaRing(config.servers.map(node));
      const got = config.mapping.map((_, key) => ring.nodeFor(String(key)).id);
      expect(got).toEqual(config.mapping);
    });
  }

  for (const [name, config] of Object.entries(extra.configs)) {
    it(`matches all ${config.mapping.length} mappings of the generated "${name}" vectors`, () => {
      const ring = new KetamaRing(config.servers.map(node));
      expect(extra.keys.map((key) => ring.nodeFor(key).id)).toEqual(config.mapping);
    });
  }

  it('computes per-server point counts in 32-bit floats, as libmemcached does', () => {
    // Weights 1,6,6,6,6: 1/25 * 40 * 5 floors to 7 hashes (28 points) in floats, 8 in doubles;
    // the floatRounding5 vectors above hold libmemcached's own placement for this pool.
    const config = extra.configs.floatRounding5 as VectorConfig;
    const counts = new KetamaRing(config.servers.map(node)).pointCounts();
    expect(counts.get('10.0.2.1:11211')).toBe(28);
  });

  it('matches the keys the hashring package misplaces in the equal7 vectors', () => {
    const config = vectors.configs.equal7 as VectorConfig;
    const ring = new KetamaRing(config.servers.map(node));
    expect(config.hashring_3_2_0_mismatching_keys.length).toBeGreaterThan(0);
    for (const key of config.hashring_3_2_0_mismatching_keys) {
      expect(ring.nodeFor(String(key)).id).toBe(config.mapping[key]);
    }
  });

  it('matches libmemcached test-suite cases: key hash and server for the weighted pool', () => {
    const ring = new KetamaRing(libmemcachedPool);
    expect(fixture.ketama.length).toBeGreaterThan(0);
    for (const [key, hash, , host] of fixture.ketama) {
      expect(keyHash(key)).toBe(hash);
      expect(ring.nodeFor(key).host, key).toBe(host);
    }
  });

  it('matches libmemcached spymemcached-compat cases with compat: "spymemcached"', () => {
    const ring = new KetamaRing(libmemcachedPool, { compat: 'spymemcached' });
    expect(fixture.spy.length).toBeGreaterThan(0);
    for (const [key, hash, , host] of fixture.spy) {
      expect(keyHash(key)).toBe(hash);
      expect(ring.nodeFor(key).host, key).toBe(host);
    }
  });
});

describe('KetamaRing', () => {
  const three = ['10.0.0.1:11211 1', '10.0.0.2:11211 1', '10.0.0.3:11211 1'].map(node);

  it('gives 160 points per server at equal weight', () => {
    const ring = new KetamaRing(three);
    expect(ring.size).toBe(3);
    expect([...ring.pointCounts().values()]).toEqual([160, 160, 160]);
  });

  it('gives points in proportion to weight', () => {
    const counts = new KetamaRing(libmemcachedPool).pointCounts();
    expect(counts.get('10.0.1.5:11211')).toBeGreaterThan(counts.get('10.0.1.8:11211') ?? 0);
    expect(counts.get('10.0.1.8:11211')).toBeGreaterThan(0);
  });

  it('moves only the keys of a removed server (consistency)', () => {
    const full = new KetamaRing(three);
    const without = new KetamaRing(three.filter((n) => n.id !== '10.0.0.2:11211'));
    let moved = 0;
    for (let i = 0; i < 2000; i++) {
      const key = `user:${i}`;
      const before = full.nodeFor(key).id;
      const after = without.nodeFor(key).id;
      if (before !== '10.0.0.2:11211') expect(after).toBe(before);
      else moved++;
    }
    expect(moved).toBeGreaterThan(0);
  });

  it('hashes the UTF-8 bytes of non-ASCII keys', () => {
    const digest = createHash('md5').update(Buffer.from('clé', 'utf8')).digest();
    expect(keyHash('clé')).toBe(digest.readUInt32LE(0));
  });

  it('hashes keys of every length like MD5 (multi-block and padding edges)', () => {
    for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 250, 1000]) {
      for (const key of ['k'.repeat(length), 'é'.repeat(length)]) {
        const digest = createHash('md5').update(key, 'utf8').digest();
        expect(keyHash(key), `${length}`).toBe(digest.readUInt32LE(0));
      }
    }
  });

  it('always answers from the only server of a one-server ring', () => {
    const ring = new KetamaRing([three[0] as RingNode]);
    for (let i = 0; i < 100; i++) expect(ring.nodeFor(`k${i}`).id).toBe('10.0.0.1:11211');
  });

  it('throws ERR_MEMCACHED_NO_SERVERS on an empty ring', () => {
    const ring = new KetamaRing([]);
    expect(ring.size).toBe(0);
    expect(() => ring.nodeFor('a')).toThrow(MemcachedError);
    try {
      ring.nodeFor('a');
    } catch (err) {
      expect((err as MemcachedError).code).toBe('ERR_MEMCACHED_NO_SERVERS');
    }
  });

  it('rejects weights that are not positive integers', () => {
    for (const weight of [0, -1, 1.5, Number.NaN]) {
      expect(() => new KetamaRing([{ ...(three[0] as RingNode), weight }])).toThrow(RangeError);
    }
  });
});
