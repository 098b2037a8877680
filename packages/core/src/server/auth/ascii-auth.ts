import type { CommandContext } from '../command.js';
import { READ_BUFFER_SIZE, tokenize } from '../line-rules.js';
import { parseUint32 } from '../numbers.js';
import { checkCredentials } from './credentials.js';

/** A text connection that must authenticate (memcached's -Y) before anything else. */
export interface AsciiAuthContext extends CommandContext {
  authenticated: boolean;
}

/**
 * memcached's try_read_command_asciiauth: until it succeeds, every request line must be
 * `set <key> <flags> <exptime> <bytes>` whose data is `<user> <password>`; the key, flags and
 * exptime are ignored. Success answers `STORED`; anything else gets memcached's CLIENT_ERROR
 * and the connection stays unauthenticated.
 */
export function asciiAuth(ctx: AsciiAuthContext, tokens: string[]): void {
  // memcached builds every reply of the auth phase in one response object that each new
  // reply resets, so of several queued in one read only the last is sent: `answer` drops the
  // ones still unsent before it writes.
  const answer = (line: string) => {
    ctx.discardPendingOutput();
    ctx.error(line);
  };
  const accepted = ctx.server.settings.asciiAuth ?? [];
  const size = tokens.length >= 5 && tokens[0] === 'set' ? parseUint32(tokens[4]!) : undefined;
  if (size === undefined) {
    answer('CLIENT_ERROR unauthenticated');
    return;
  }
  if (size + 2 > READ_BUFFER_SIZE) {
    // memcached waits for the whole token inside its 16 KiB read buffer, so a bigger one can
    // never complete there and the connection hangs; closing says the same more plainly.
    ctx.close();
    return;
  }
  ctx.readData(size, (data) => {
    if (data === undefined) {
      answer('CLIENT_ERROR bad command line termination');
      return;
    }
    // memcached reads the token as a C string: a NUL ends it.
    const nul = data.indexOf(0);
    const parts = tokenize((nul < 0 ? data : data.subarray(0, nul)).toString('latin1'));
    if (parts.length < 2) {
      answer('CLIENT_ERROR bad authentication token format');
      return;
    }
    const stats = ctx.server.stats;
    stats.authCmds++;
    const user = Buffer.from(parts[0]!, 'latin1');
    const pass = Buffer.from(parts[1]!, 'latin1');
    if (checkCredentials(accepted, user, pass)) {
      ctx.authenticated = true;
      answer('STORED');
    } else {
      stats.authErrors++;
      answer('CLIENT_ERROR authentication failure');
    }
  });
}
