import type { StoreMode } from '../store.js';
import { Opcode, Status } from './protocol.js';
import type { BinaryRequest, BinarySession } from './session.js';

/** Largest CAS the store holds exactly; a bigger one from a client can never match. */
const MAX_CAS = BigInt(Number.MAX_SAFE_INTEGER);

/** A client's CAS as the store compares it: 0 for none, -1 for one that cannot match. */
export function storeCas(cas: bigint): number {
  return cas > MAX_CAS ? -1 : Number(cas);
}

/**
 * Stores `value` under the request's key (memcached's complete_update_bin) and answers as
 * memcached maps its store results: a refused add is "exists", a refused replace "not found".
 */
function complete(
  session: BinarySession,
  request: BinaryRequest,
  mode: StoreMode,
  flags: number,
  exptime: number,
  value: Buffer,
): void {
  const { store, stats } = session.conn.server;
  stats.slabs[store.classFor(request.key.length, flags, value.length)]!.setCmds++;
  const item = store.create(request.key, flags, exptime, value);
  // With CAS off (-C) memcached's ITEM_set_cas stores nothing, so a CAS sent with a store is
  // ignored rather than compared.
  item.cas = store.casEnabled ? storeCas(request.header.cas) : 0;
  const cas = item.cas;
  const effective: StoreMode = cas !== 0 && mode !== 'append' && mode !== 'prepend' ? 'cas' : mode;
  const { result, item: stored } = store.store(item, effective);
  switch (result) {
    case 'STORED':
      session.respond(request, { cas: stored.cas });
      return;
    case 'EXISTS':
      session.error(request, Status.KEY_EEXISTS);
      return;
    case 'NOT_FOUND':
      session.error(request, Status.KEY_ENOENT);
      return;
    default:
      session.error(
        request,
        effective === 'add'
          ? Status.KEY_EEXISTS
          : effective === 'replace'
            ? Status.KEY_ENOENT
            : Status.NOT_STORED,
      );
  }
}

/** SET, ADD, REPLACE (and their quiet forms): extras are flags and expiration. */
export function update(session: BinarySession, request: BinaryRequest): void {
  const { header, key, extras } = request;
  const server = session.conn.server;
  const store = server.store;
  const flags = extras.readUInt32BE(0);
  const expiration = extras.readUInt32BE(4);
  const vlen = header.bodyLength - (header.keyLength + header.extrasLength);
  if (server.detailEnabled) server.prefixStats.recordSet(key);
  const exptime = server.clock.realtime(expiration);
  if (!store.fits(key.length, flags, vlen)) {
    session.error(request, Status.E2BIG, undefined, vlen);
    // A failed set must not leave the old value readable.
    if (request.command === Opcode.SET) {
      const old = store.get(key, false);
      if (old !== undefined) store.unlink(old);
    }
    return;
  }
  store.reserve(key.length, flags, vlen);
  const mode: StoreMode =
    request.command === Opcode.ADD ? 'add' : request.command === Opcode.REPLACE ? 'replace' : 'set';
  session.readValue(vlen, (value) => complete(session, request, mode, flags, exptime, value));
}

/** APPEND, PREPEND: no extras, the body after the key is the bytes to add. */
export function appendPrepend(session: BinarySession, request: BinaryRequest): void {
  const { header, key } = request;
  const server = session.conn.server;
  const store = server.store;
  const vlen = header.bodyLength - header.keyLength;
  if (server.detailEnabled) server.prefixStats.recordSet(key);
  if (!store.fits(key.length, 0, vlen)) {
    session.error(request, Status.E2BIG, undefined, vlen);
    return;
  }
  store.reserve(key.length, 0, vlen);
  const mode: StoreMode = request.command === Opcode.APPEND ? 'append' : 'prepend';
  session.readValue(vlen, (value) => complete(session, request, mode, 0, 0, value));
}

/** DELETE: a CAS, when given, must match. */
export function remove(session: BinarySession, request: BinaryRequest): void {
  const { key } = request;
  const { store, stats, detailEnabled, prefixStats } = session.conn.server;
  if (detailEnabled) prefixStats.recordDelete(key);
  const item = store.get(key, false);
  if (item === undefined) {
    session.error(request, Status.KEY_ENOENT);
    stats.deleteMisses++;
    return;
  }
  const cas = request.header.cas;
  if (cas !== 0n && storeCas(cas) !== item.cas) {
    session.error(request, Status.KEY_EEXISTS);
    return;
  }
  stats.slabs[item.slabClass]!.deleteHits++;
  store.unlink(item);
  session.respond(request);
}

/** FLUSH: an optional 4-byte expiration delays it, as `flush_all <delay>` does. */
export function flush(session: BinarySession, request: BinaryRequest): void {
  const { store, stats, clock, settings } = session.conn.server;
  if (!settings.flushEnabled) {
    // memcached answers a refused flush with an auth error (and does not count it).
    session.error(request, Status.AUTH_ERROR);
    return;
  }
  const exptime = request.header.extrasLength === 4 ? request.extras.readUInt32BE(0) : 0;
  store.flush(exptime > 0 ? clock.realtime(exptime) : clock.now());
  stats.flushCmds++;
  session.respond(request);
}
