import { describe, expect, it } from 'vitest';
import {
  decideStore,
  ifNoneMatchMatches,
  keyTarget,
  parseCacheControl,
  requestMode,
  resolveResponseCacheOptions,
  resolveRouteCacheOptions,
  strongEtag,
} from '../src/index.js';
import { decodeBody, encodeBody } from '../src/internal/body-codec.js';
import { decodeItem, encodeEntry, encodeVaryPointer } from '../src/internal/entry-codec.js';

const STATUSES = new Set([200, 203, 204, 300, 301, 404, 405, 410, 414, 501]);
const get = (headers: Record<string, string> = {}) => ({ method: 'GET', url: '/x', headers });
const res = (headers: Record<string, string | string[]> = {}, status = 200) => ({
  status,
  headers,
  body: Buffer.from('body'),
});

describe('options', () => {
  it('applies defaults and freezes', () => {
    const o = resolveResponseCacheOptions({});
    expect(o.ttl).toBe(60);
    expect(o.keyPrefix).toBe('rc:');
    expect([...o.statusCodes]).toEqual([200, 203, 204, 300, 301, 404, 405, 410, 414, 501]);
    expect(Object.isFrozen(o)).toBe(true);
  });

  it('rejects unknown keys and bad values with ERR_MEMCACHED_INVALID_OPTION, naming them', () => {
    expect(() => resolveResponseCacheOptions({ tll: 5 } as never)).toThrow(
      /Invalid option "tll": unknown option/,
    );
    expect(() => resolveResponseCacheOptions({ ttl: -1 })).toThrow(
      'Invalid option "ttl": expected a positive integer, got -1.',
    );
    expect(() => resolveResponseCacheOptions({ ttl: -1 })).toThrow(
      expect.objectContaining({ code: 'ERR_MEMCACHED_INVALID_OPTION', option: 'ttl' }),
    );
    expect(() => resolveResponseCacheOptions({ keyHeaders: ['x tenant'] })).toThrow(/"keyHeaders"/);
    expect(() => resolveResponseCacheOptions({ honorRequestNoCache: 1 } as never)).toThrow(
      /"honorRequestNoCache"/,
    );
    expect(() => resolveRouteCacheOptions({ shareCookieRequests: 'yes' } as never)).toThrow(
      /"shareCookieRequests"/,
    );
    expect(() => resolveRouteCacheOptions({ keyPrefix: 'x' } as never)).toThrow(
      /"keyPrefix": unknown option/,
    );
    expect(() => resolveResponseCacheOptions({ prefixes: ['api'] })).toThrow(/"prefixes"/);
    expect(() => resolveResponseCacheOptions({ keyPrefix: 'a b' })).toThrow(/"keyPrefix"/);
    expect(() => resolveRouteCacheOptions({ tags: [''] })).toThrow(/"tags"/);
    expect(() => resolveRouteCacheOptions({ staleIfError: 1.5 })).toThrow(/"staleIfError"/);
  });

  it('drops undefined values', () => {
    expect(resolveResponseCacheOptions({ ttl: undefined }).ttl).toBe(60);
  });
});

describe('storage rules (decideStore)', () => {
  const decide = (r: ReturnType<typeof res>, req = get()) => decideStore(req, r, STATUSES, 60);

  it('stores a plain 200 for the default ttl, without hop-by-hop or per-hit headers', () => {
    const d = decide(res({ 'content-type': 'text/plain', connection: 'keep-alive', date: 'x' }));
    expect(d).toMatchObject({ store: true, ttl: 60, vary: [] });
    if (d.store) expect(Object.keys(d.headers)).toEqual(['content-type']);
  });

  it('lets s-maxage beat max-age beat the default', () => {
    expect(decide(res({ 'cache-control': 'max-age=30, s-maxage=5' }))).toMatchObject({ ttl: 5 });
    expect(decide(res({ 'cache-control': 'max-age=30' }))).toMatchObject({ ttl: 30 });
    expect(decide(res({ 'cache-control': 'max-age=0' }))).toEqual({
      store: false,
      reason: 'expired',
    });
  });

  it('refuses what a shared cache must not keep', () => {
    expect(decide(res({ 'set-cookie': 'a=1', 'cache-control': 'public' }))).toMatchObject({
      reason: 'set-cookie',
    });
    expect(decide(res({ 'cache-control': 'no-store' }))).toMatchObject({ reason: 'no-store' });
    expect(decide(res({ 'cache-control': 'private' }))).toMatchObject({ reason: 'private' });
    expect(decide(res({ 'cache-control': 'no-cache' }))).toMatchObject({ reason: 'no-cache' });
    expect(decide(res({ vary: 'Accept, *' }))).toMatchObject({ reason: 'vary-star' });
    expect(decide(res({}, 500))).toMatchObject({ reason: 'status' });
    expect(decide(res(), { method: 'POST', url: '/x', headers: {} })).toMatchObject({
      reason: 'method',
    });
  });

  it('stores a response to a Cookie request only when it says public or s-maxage', () => {
    const withCookie = get({ cookie: 'sid=1' });
    const personal = (r: ReturnType<typeof res>) =>
      decideStore(withCookie, r, STATUSES, 60, 'cookie');
    expect(personal(res())).toEqual({ store: false, reason: 'cookie' });
    expect(personal(res({ 'cache-control': 'max-age=60' }))).toMatchObject({ store: false });
    expect(personal(res({ 'cache-control': 'public, max-age=60' }))).toMatchObject({
      store: true,
      shared: true,
    });
    expect(personal(res({ 'cache-control': 's-maxage=60' }))).toMatchObject({ store: true });
  });

  it('judges Set-Cookie on every header, even one preset before the cache ran, and never stores preset ones', () => {
    const req = { ...get(), presetHeaders: ['set-cookie', 'x-ratelimit-remaining'] };
    expect(decideStore(req, res({ 'set-cookie': 'sid=1' }), STATUSES, 60)).toEqual({
      store: false,
      reason: 'set-cookie',
    });
    const d = decideStore(
      req,
      res({ 'x-ratelimit-remaining': '4', 'content-type': 'text/plain' }),
      STATUSES,
      60,
    );
    if (!d.store) throw new Error('expected a stored response');
    expect(Object.keys(d.headers)).toEqual(['content-type']);
  });

  it('stores an authorized response only when public, s-maxage or must-revalidate', () => {
    const auth = get({ authorization: 'Bearer t' });
    expect(decide(res(), auth)).toMatchObject({ store: false, reason: 'authorization' });
    expect(decide(res({ 'cache-control': 'public' }), auth)).toMatchObject({ store: true });
    expect(decide(res({ 'cache-control': 's-maxage=9' }), auth)).toMatchObject({ store: true });
    expect(decide(res({ 'cache-control': 'must-revalidate, max-age=9' }), auth)).toMatchObject({
      store: true,
    });
  });

  it('reads Vary into sorted lower-case names', () => {
    expect(decide(res({ vary: 'Accept-Language, accept-encoding' }))).toMatchObject({
      vary: ['accept-encoding', 'accept-language'],
    });
  });
});

describe('request directives (requestMode)', () => {
  it('ignores request no-cache, max-age=0, Pragma and no-store by default (nginx, Varnish)', () => {
    for (const headers of <Record<string, string>[]>[
      { 'cache-control': 'no-cache' },
      { 'cache-control': 'max-age=0' },
      { 'cache-control': 'no-store' },
      { pragma: 'no-cache' },
    ]) {
      expect(requestMode(get(headers))).toEqual({
        kind: 'lookup',
        head: false,
        maxAge: undefined,
        minFresh: undefined,
      });
    }
    expect(requestMode({ method: 'POST', url: '/', headers: {} })).toMatchObject({
      kind: 'bypass',
    });
  });

  it('with honorRequestNoCache: bypasses no-store, refreshes on no-cache and Pragma', () => {
    const mode = (h: Record<string, string>) => requestMode(get(h), true);
    expect(mode({ 'cache-control': 'no-store' })).toMatchObject({ kind: 'bypass' });
    expect(mode({ 'cache-control': 'no-cache' })).toEqual({ kind: 'refresh' });
    expect(mode({ pragma: 'no-cache' })).toEqual({ kind: 'refresh' });
    // Pragma only counts without Cache-Control (RFC 9111 §5.4).
    expect(mode({ pragma: 'no-cache', 'cache-control': 'max-age=5' })).toMatchObject({
      kind: 'lookup',
      maxAge: 5,
    });
  });

  it('parses Cache-Control with quotes and case', () => {
    const cc = parseCacheControl('Max-Age=5, private="set-cookie", no-cache');
    expect(cc.get('max-age')).toBe('5');
    expect(cc.get('private')).toBe('set-cookie');
    expect(cc.get('no-cache')).toBe(true);
  });
});

describe('keys and validators', () => {
  it('keys on the raw request target: no dot segments resolved, nothing decoded', () => {
    for (const raw of ['/page/%2e%2e', '/page\\victim', '/page/x/../other', '/a/./b', '/%7e']) {
      expect(keyTarget(raw)).toBe(raw);
    }
    expect(keyTarget('/b?y=1&x=2')).toBe('/b?y=1&x=2');
    expect(keyTarget('/b?y=1&x=2', true)).toBe('/b?x=2&y=1');
    expect(keyTarget('/b/../c?y=1&x=%41', true)).toBe('/b/../c?x=%41&y=1');
  });

  it('keeps a strong origin ETag, replaces a weak or missing one by a body hash', () => {
    expect(strongEtag('"abc"', Buffer.from('x'))).toBe('"abc"');
    const hashed = strongEtag('W/"abc"', Buffer.from('x'));
    expect(hashed).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(strongEtag(undefined, Buffer.from('x'))).toBe(hashed);
    expect(strongEtag(undefined, Buffer.from('y'))).not.toBe(hashed);
  });

  it('matches If-None-Match weakly, in lists and with *', () => {
    expect(ifNoneMatchMatches('"a", W/"b"', '"b"')).toBe(true);
    expect(ifNoneMatchMatches('*', '"b"')).toBe(true);
    expect(ifNoneMatchMatches('"c"', '"b"')).toBe(false);
    expect(ifNoneMatchMatches(undefined, '"b"')).toBe(false);
  });
});

describe('stored bytes', () => {
  it('round-trips entries with binary bodies and Vary pointers; rejects stubs and garbage', () => {
    const body = Buffer.from([0, 255, 13, 10, 0]);
    const meta = {
      status: 200,
      headers: { 'content-type': 'application/octet-stream' },
      etag: '"e"',
      ttl: 5,
      stale: 0,
      age: 0,
      tags: {},
      enc: 'identity' as const,
      chunks: 0,
      id: 'i',
    };
    const decoded = decodeItem(encodeEntry(meta, body));
    expect(decoded?.kind).toBe('entry');
    if (decoded?.kind === 'entry') {
      expect(decoded.meta).toEqual(meta);
      expect(decoded.body.equals(body)).toBe(true);
    }
    expect(decodeItem(encodeVaryPointer({ vary: ['accept'], gen: 'g' }))).toEqual({
      kind: 'vary',
      pointer: { vary: ['accept'], gen: 'g' },
    });
    expect(decodeItem(Buffer.alloc(0))).toBeUndefined();
    expect(decodeItem(Buffer.from('Ezzzzzzzz'))).toBeUndefined();
  });

  it('compresses large compressible bodies only', () => {
    const text = Buffer.from('a'.repeat(100_000));
    const packed = encodeBody(text, 1000);
    expect(packed.enc).toBe('deflate');
    expect(packed.data.length).toBeLessThan(text.length / 10);
    expect(decodeBody(packed.enc, packed.data).equals(text)).toBe(true);
    expect(encodeBody(Buffer.from('short'), 1000).enc).toBe('identity');
  });
});
