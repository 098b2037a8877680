import type { CommandHandler } from '../command.js';
import { echoFlags, keyFlag, MAX_OPAQUE_LENGTH, META_ERRORS } from './flags.js';
import { openMetaRequest } from './request.js';

const EMPTY = Buffer.alloc(0);

/**
 * `mg <key> <flags>*`: meta get, memcached's process_mget_command. Besides plain fetches it
 * carries the anti-stampede protocol: `N` vivifies a miss and hands its caller the win token
 * (`W`), later callers see `Z`; a stale item (`md ... I`) answers `X` and hands out one new
 * win; `R` wins a recache when the TTL is below the given threshold.
 */
export const mg: CommandHandler = (ctx, tokens) => {
  const f = openMetaRequest(ctx, tokens, { tooManyFlags: META_ERRORS.tooManyFlagsGet });
  if (f === undefined) return;
  const { store, stats, clock } = ctx.server;

  // Flags that report pre-fetch state (h, l) or change the item make memcached fetch without
  // the LRU bump and bump afterwards.
  let item = store.get(f.key, !f.locked && !f.noUpdate);
  let created = false;
  if (item === undefined && f.vivify) {
    // memcached allocates the placeholder without ITEM_KEY_BINARY, so `k` on it returns the
    // raw key bytes even when the request used `b`.
    item = store.create(f.key, 0, 0, EMPTY);
    store.link(item);
    created = true;
  }

  if (item === undefined) {
    stats.getMisses++;
    stats.getCmds++;
    const echo = echoFlags(tokens, 2, f.key, f.keyBinary);
    if (echo === undefined) {
      ctx.error(META_ERRORS.opaqueTooLong);
      return;
    }
    if (!f.noReply) ctx.write(`EN${echo}\r\n`);
    return;
  }

  let now = -1; // read lazily: most fetches never need the clock
  let line = f.value ? `VA ${item.value.length}` : 'HD';
  let won = false;
  let ttlSet = false;
  for (let i = 2; i < tokens.length; i++) {
    const tok = tokens[i] as string;
    switch (tok.charCodeAt(0)) {
      case 84 /* T */:
        ttlSet = true;
        item.exptime = f.exptime;
        break;
      case 78 /* N */:
        if (created) {
          item.exptime = f.autovivExptime;
          won = true;
        }
        break;
      case 82 /* R */:
        if (!item.tokenSent && !created && item.exptime !== 0 && item.exptime < f.recacheTime) {
          won = true;
        }
        break;
      case 115 /* s */:
        line += ` s${item.value.length}`;
        break;
      case 116 /* t */:
        // memcached prints the remaining TTL as unsigned, so a past exptime (T-1) wraps.
        if (item.exptime === 0) {
          line += ' t-1';
        } else {
          if (now < 0) now = clock.now();
          line += ` t${(item.exptime - now) >>> 0}`;
        }
        break;
      case 99 /* c */:
        line += ` c${item.cas}`;
        break;
      case 102 /* f */:
        line += ` f${item.flags}`;
        break;
      case 108 /* l */:
        if (now < 0) now = clock.now();
        line += ` l${(now - item.time) >>> 0}`;
        break;
      case 104 /* h */:
        line += item.fetched ? ' h1' : ' h0';
        break;
      case 79 /* O */:
        if (tok.length > MAX_OPAQUE_LENGTH) {
          ctx.error(META_ERRORS.opaqueTooLong);
          return;
        }
        line += ` ${tok}`;
        break;
      case 107 /* k */:
        line += keyFlag(item.key, item.keyBinary);
        break;
    }
  }
  // Z before X and never W with Z: one winner per stale/missing generation.
  if (item.tokenSent) line += ' Z';
  if (item.stale) {
    line += ' X';
    if (!item.tokenSent) won = true;
  }
  if (won) {
    line += ' W';
    item.tokenSent = true;
  }
  if (f.value) {
    ctx.write(`${line}\r\n`);
    ctx.writeBuffer(item.value);
    ctx.write('\r\n');
  } else {
    ctx.write(`${line}\r\n`);
  }

  if (f.locked && !f.noUpdate) store.bump(item, now < 0 ? clock.now() : now);
  const slab = stats.slabs[item.slabClass];
  if (ttlSet) {
    stats.touchCmds++;
    if (slab) slab.touchHits++;
  } else {
    stats.getCmds++;
    if (slab) slab.getHits++;
  }
};
