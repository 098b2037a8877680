import type { CommandHandler } from '../command.js';
import type { Item } from '../item.js';
import { parseUint64 } from '../numbers.js';
import type { ServerStats } from '../stats.js';
import type { Store } from '../store.js';
import { keyWithArgument } from './preamble.js';

const U64 = 0xffffffffffffffffn;

/** Outcome of {@link addDelta}. */
export type DeltaResult =
  | { readonly status: 'ok'; readonly value: bigint; readonly item: Item }
  | { readonly status: 'non_numeric' }
  | { readonly status: 'not_found' }
  | { readonly status: 'cas_mismatch' };

/**
 * memcached's do_add_delta, shared with the meta `ma` command: incr wraps at 2^64, decr stops
 * at 0. A result no longer than the old value is written over it padded with spaces (so
 * `get` shows the trailing spaces, as memcached does); a longer one makes a new item. Either
 * way the CAS changes. `cas` (non-zero) must match the item's.
 */
export function addDelta(
  store: Store,
  stats: ServerStats,
  key: string,
  incr: boolean,
  delta: bigint,
  cas = 0,
): DeltaResult {
  const item = store.get(key, false);
  if (item === undefined) return { status: 'not_found' };
  const old = item.value;
  if (old.length === 0) return { status: 'non_numeric' };
  if (cas !== 0 && item.cas !== cas) return { status: 'cas_mismatch' };
  const current = parseUint64(`${old.toString('latin1')}\r`);
  if (current === undefined) return { status: 'non_numeric' };
  let value: bigint;
  if (incr) value = (current + delta) & U64;
  else value = delta > current ? 0n : current - delta;
  const slab = stats.slabs[item.slabClass]!;
  if (incr) slab.incrHits++;
  else slab.decrHits++;
  const text = value.toString();
  if (text.length <= old.length) {
    const next = Buffer.alloc(old.length, 0x20);
    next.write(text, 0, 'latin1');
    item.value = next;
    item.cas = store.nextCas();
    store.touchTime(item);
    return { status: 'ok', value, item };
  }
  const replaced = store.replaceValue(item, Buffer.from(text, 'latin1'));
  return { status: 'ok', value, item: replaced };
}

function arithmeticCommand(incr: boolean): CommandHandler {
  return (ctx, tokens) => {
    const key = keyWithArgument(ctx, tokens);
    if (key === undefined) return;
    const delta = parseUint64(tokens[2]!);
    if (delta === undefined) {
      ctx.reply('CLIENT_ERROR invalid numeric delta argument');
      return;
    }
    const { store, stats } = ctx.server;
    const r = addDelta(store, stats, key, incr, delta);
    switch (r.status) {
      case 'ok':
        ctx.reply(r.value.toString());
        break;
      case 'non_numeric':
        ctx.reply('CLIENT_ERROR cannot increment or decrement non-numeric value');
        break;
      default:
        if (incr) stats.incrMisses++;
        else stats.decrMisses++;
        ctx.reply('NOT_FOUND');
    }
  };
}

/** incr, decr. */
export const arithmeticCommands: Record<string, CommandHandler> = {
  incr: arithmeticCommand(true),
  decr: arithmeticCommand(false),
};
