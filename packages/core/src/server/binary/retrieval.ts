import { Opcode, Status } from './protocol.js';
import type { BinaryRequest, BinarySession } from './session.js';

/**
 * GET, GETK, TOUCH, GAT, GATK (and the quiet forms), as memcached's process_bin_get_or_touch:
 * a hit carries the flags as extras and the item's CAS; TOUCH returns no value, the K forms
 * return the key. A quiet miss says nothing; GETK/GATK misses carry the key, others "Not found".
 */
export function retrieve(session: BinarySession, request: BinaryRequest): void {
  const cmd = request.command;
  const touch = cmd === Opcode.TOUCH || cmd === Opcode.GAT || cmd === Opcode.GATK;
  const returnKey = cmd === Opcode.GETK || cmd === Opcode.GATK;
  const key = request.key;
  const server = session.conn.server;
  const { store, stats } = server;
  const item = store.get(key, true);
  if (item !== undefined) {
    if (touch) {
      item.exptime = server.clock.realtime(request.extras.readUInt32BE(0));
      stats.touchCmds++;
      stats.slabs[item.slabClass]!.touchHits++;
    } else {
      stats.getCmds++;
      stats.slabs[item.slabClass]!.getHits++;
    }
    const extras = Buffer.allocUnsafe(4);
    extras.writeUInt32BE(item.flags >>> 0, 0);
    session.send(request, Status.SUCCESS, {
      cas: item.cas,
      extras,
      key: returnKey ? key : undefined,
      value: cmd === Opcode.TOUCH ? undefined : item.value,
    });
  } else {
    if (touch) {
      stats.touchCmds++;
      stats.touchMisses++;
    } else {
      stats.getCmds++;
      stats.getMisses++;
    }
    if (!request.noreply) {
      if (returnKey) session.send(request, Status.KEY_ENOENT, { key });
      else session.error(request, Status.KEY_ENOENT);
    }
  }
  if (server.detailEnabled) server.prefixStats.recordGet(key, item !== undefined);
}
