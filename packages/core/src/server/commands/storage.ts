import type { CommandContext, CommandHandler } from '../command.js';
import { KEY_MAX_LENGTH } from '../item.js';
import { parseInt32, parseUint32, parseUint64 } from '../numbers.js';
import type { StoreMode } from '../store.js';

/** memcached's noreply detection: the last token (before the terminal one) is "noreply". */
export function setNoreplyMaybe(ctx: CommandContext, tokens: string[]): boolean {
  if (tokens[tokens.length - 1] === 'noreply') ctx.noreply = true;
  return ctx.noreply;
}

/** Largest CAS we can hold exactly; bigger client values can never match a stored CAS. */
const MAX_CAS = BigInt(Number.MAX_SAFE_INTEGER);

function update(ctx: CommandContext, tokens: string[], mode: StoreMode, handleCas: boolean): void {
  setNoreplyMaybe(ctx, tokens);
  const key = tokens[1]!;
  if (key.length > KEY_MAX_LENGTH) {
    ctx.reply('CLIENT_ERROR bad command line format');
    return;
  }
  const flags = parseUint32(tokens[2]!);
  const exptimeIn = parseInt32(tokens[3]!);
  const vlen = parseInt32(tokens[4]!);
  if (flags === undefined || exptimeIn === undefined || vlen === undefined) {
    ctx.reply('CLIENT_ERROR bad command line format');
    return;
  }
  let cas = 0;
  if (handleCas) {
    const c = parseUint64(tokens[5]!);
    if (c === undefined) {
      ctx.reply('CLIENT_ERROR bad command line format');
      return;
    }
    cas = c > MAX_CAS ? -1 : Number(c);
  }
  if (vlen < 0 || vlen > 0x7fffffff - 2) {
    ctx.reply('CLIENT_ERROR bad command line format');
    return;
  }
  const server = ctx.server;
  if (server.detailEnabled) server.prefixStats.recordSet(key);
  // Negative exptimes mean "already expired" (memcached's EXPTIME_TO_POSITIVE_TIME).
  const exptime = server.clock.realtime(exptimeIn < 0 ? -1 : exptimeIn);
  const store = server.store;
  if (!store.fits(key.length, flags, vlen)) {
    ctx.reply('SERVER_ERROR object too large for cache');
    server.stats.storeTooLarge++;
    ctx.swallow(vlen);
    // A failed set must not leave the old value readable.
    if (mode === 'set') {
      const old = store.get(key, false);
      if (old !== undefined) store.unlink(old);
    }
    return;
  }
  // memcached allocates the item (evicting for it) before it reads the value, so a value
  // still on its way counts against the memory limit.
  const reserved = store.reservePending(key.length, flags, vlen);
  if (reserved === undefined) {
    ctx.reply('SERVER_ERROR out of memory storing object');
    server.stats.storeNoMemory++;
    ctx.swallow(vlen);
    if (mode === 'set') {
      const old = store.get(key, false);
      if (old !== undefined) store.unlink(old);
    }
    return;
  }
  store.reserve(key.length, flags, vlen);
  ctx.readData(
    vlen,
    (value) => {
      // memcached counts the set once the data is read, even when the chunk turns out bad.
      server.stats.slabs[store.classFor(key.length, flags, vlen)]!.setCmds++;
      if (value === undefined) {
        ctx.reply('CLIENT_ERROR bad data chunk');
        return;
      }
      const item = store.create(key, flags, exptime, value);
      item.cas = cas;
      const { result } = store.store(item, mode);
      ctx.reply(result);
    },
    reserved,
  );
}

function storageCommand(mode: StoreMode): CommandHandler {
  const handleCas = mode === 'cas';
  const want = handleCas ? 6 : 5;
  return (ctx, tokens) => {
    const n = tokens.length;
    if (n !== want && n !== want + 1) {
      ctx.reply('ERROR');
      return;
    }
    update(ctx, tokens, mode, handleCas);
  };
}

/** set, add, replace, append, prepend, cas. */
export const storageCommands: Record<string, CommandHandler> = {
  set: storageCommand('set'),
  add: storageCommand('add'),
  replace: storageCommand('replace'),
  append: storageCommand('append'),
  prepend: storageCommand('prepend'),
  cas: storageCommand('cas'),
};
