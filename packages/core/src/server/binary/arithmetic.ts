import { addDelta } from '../commands/arithmetic.js';
import { Opcode, Status } from './protocol.js';
import type { BinaryRequest, BinarySession } from './session.js';
import { storeCas } from './storage.js';

/** The expiration that tells INCREMENT/DECREMENT not to create a missing counter. */
const NO_CREATE = 0xffffffff;

function counterBytes(value: bigint): Buffer {
  const out = Buffer.allocUnsafe(8);
  out.writeBigUInt64BE(value, 0);
  return out;
}

/**
 * INCREMENT, DECREMENT (memcached's complete_incr_bin): extras are delta, initial and
 * expiration. A missing counter is created with `initial` unless the expiration is 0xffffffff;
 * the reply is the new value as 8 bytes with the item's new CAS.
 */
export function arithmetic(session: BinarySession, request: BinaryRequest): void {
  const { extras, key } = request;
  const delta = extras.readBigUInt64BE(0);
  const initial = extras.readBigUInt64BE(8);
  const expiration = extras.readUInt32BE(16);
  const server = session.conn.server;
  const { store, stats } = server;
  const incr = request.command === Opcode.INCREMENT;
  const r = addDelta(store, stats, key, incr, delta, storeCas(request.header.cas));
  switch (r.status) {
    case 'ok':
      session.respond(request, { cas: r.item.cas, value: counterBytes(r.value) });
      return;
    case 'non_numeric':
      session.error(request, Status.DELTA_BADVAL);
      return;
    case 'cas_mismatch':
      session.error(request, Status.KEY_EEXISTS);
      return;
    default:
      break;
  }
  if (expiration === NO_CREATE) {
    if (incr) stats.incrMisses++;
    else stats.decrMisses++;
    session.error(request, Status.KEY_ENOENT);
    return;
  }
  const item = store.create(
    key,
    0,
    server.clock.realtime(expiration),
    Buffer.from(initial.toString(), 'latin1'),
  );
  const { result } = store.store(item, 'add');
  if (result === 'STORED')
    session.respond(request, { cas: item.cas, value: counterBytes(initial) });
  else session.error(request, Status.NOT_STORED);
}
