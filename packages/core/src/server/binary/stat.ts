import {
  generalStats,
  itemsStats,
  type StatPair,
  settingsStats,
  slabsStats,
} from '../stats-render.js';
import { Status } from './protocol.js';
import type { BinaryRequest, BinarySession } from './session.js';

/** One packet per stat (key = name, value = value), then an empty packet unless `open`. */
function sendStats(
  session: BinarySession,
  request: BinaryRequest,
  pairs: readonly StatPair[],
  open = false,
): void {
  for (const [name, value] of pairs) {
    session.send(request, Status.SUCCESS, { key: name, value: String(value) });
  }
  if (!open) session.send(request, Status.SUCCESS, {});
}

/**
 * STAT, as memcached's process_bin_stat: no key for the general stats; `reset`, `settings`
 * and `detail on|off|dump` are matched by prefix (memcached compares with strncmp), `items`,
 * `slabs`, `sizes`, `sizes_enable`, `sizes_disable` exactly; anything else (`conns` included:
 * it is a text-protocol command only) is "Not found".
 */
export function stat(session: BinarySession, request: BinaryRequest): void {
  const server = session.conn.server;
  const sub = request.key;
  if (sub.length === 0) {
    sendStats(session, request, generalStats(server));
  } else if (sub.startsWith('reset')) {
    server.stats.reset();
    server.prefixStats.clear();
    sendStats(session, request, []);
  } else if (sub.startsWith('settings')) {
    sendStats(session, request, settingsStats(server));
  } else if (sub.startsWith('detail')) {
    const arg = sub.slice(6);
    if (arg.startsWith(' dump')) {
      sendStats(session, request, [['detailed', server.prefixStats.dump()]]);
    } else if (arg.startsWith(' on') || arg.startsWith(' off')) {
      server.detailEnabled = arg.startsWith(' on');
      sendStats(session, request, []);
    } else {
      session.error(request, Status.KEY_ENOENT);
    }
  } else if (sub === 'items') {
    sendStats(session, request, itemsStats(server));
  } else if (sub === 'slabs') {
    sendStats(session, request, slabsStats(server));
  } else if (sub === 'sizes') {
    sendStats(session, request, [['sizes_status', 'disabled']]);
  } else if (sub === 'sizes_enable' || sub === 'sizes_disable') {
    // memkit keeps no size histogram: both answer what memcached says without one, and like
    // memcached's these two replies end without the empty packet.
    const enabled = sub === 'sizes_enable' && server.settings.casEnabled;
    const pairs: StatPair[] =
      sub === 'sizes_enable' && !server.settings.casEnabled
        ? [
            ['sizes_status', 'error'],
            ['sizes_error', 'cas_support_disabled'],
          ]
        : [['sizes_status', enabled ? 'enabled' : 'disabled']];
    sendStats(session, request, pairs, true);
  } else {
    session.error(request, Status.KEY_ENOENT);
  }
}
