import type { CommandHandler } from '../command.js';
import { KEY_MAX_LENGTH } from '../item.js';
import { decodeBase64Key, encodeBase64Key } from './base64.js';
import { META_ERRORS } from './flags.js';

/**
 * `me <key> [b]`: meta debug, memcached's process_meta_command. Reports an item's internals
 * without bumping it: `exp` is the negated remaining TTL (-1 for none), `la` the seconds
 * since last access, `fetch` whether it was read, `cls`/`size` its slab class and ITEM_ntotal.
 */
export const me: CommandHandler = (ctx, tokens) => {
  const rawKey = tokens[1];
  if (rawKey === undefined || rawKey.length > KEY_MAX_LENGTH) {
    ctx.error(META_ERRORS.format);
    return;
  }
  let key: string | undefined = rawKey;
  if (tokens.length >= 3 && tokens[2] === 'b') {
    key = decodeBase64Key(rawKey);
    if (key === undefined) {
      ctx.error(META_ERRORS.format);
      return;
    }
  }
  const { store, stats, clock } = ctx.server;
  const item = store.get(key, false);
  if (item === undefined) {
    ctx.write('EN\r\n');
  } else {
    const now = clock.now();
    const shownKey = item.keyBinary ? encodeBase64Key(item.key) : item.key;
    // memcached prints (current_time - exptime) with %d and (current_time - time) unsigned.
    const exp = item.exptime === 0 ? -1 : (now - item.exptime) | 0;
    const la = (now - item.time) >>> 0;
    ctx.write(
      `ME ${shownKey} exp=${exp} la=${la} cas=${item.cas} fetch=${item.fetched ? 'yes' : 'no'} cls=${item.slabClass} size=${item.size}\r\n`,
    );
  }
  stats.metaCmds++;
};
