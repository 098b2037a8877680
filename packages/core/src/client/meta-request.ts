import type { MemcachedError } from '../errors.js';
import { MemcachedProtocolError } from '../errors.js';
import type { Reply } from '../protocol/reply-parser.js';
import type { InFlight } from './in-flight.js';
import { keepBytes } from './in-flight.js';
import { Settleable } from './settleable.js';

let counter = 0;

/**
 * A fresh opaque flag (`O<token>`) for a meta request. memcached echoes it in the reply, so a
 * reply can be checked against the request it answers. Tokens are short (memcached refuses
 * more than 32 bytes) and unique among the requests of a process for a long while.
 */
export function nextOpaque(): string {
  counter = (counter + 1) % 0x7fffffff;
  return `O${counter.toString(36)}`;
}

/**
 * A meta request (mg/ms/md/ma) tagged with an opaque flag: its reply must carry the same
 * flag. Without the check replies are matched by order alone, and one spurious reply would
 * shift every later one to the wrong caller; with it, a mismatch is a protocol error that
 * closes the connection and fails its requests instead.
 */
export class MetaRequest extends Settleable<Reply> implements InFlight {
  /** ` O<token>`, as it appears inside the reply line. */
  private readonly flag: string;

  constructor(
    readonly deadline: number,
    opaque: string,
    private readonly server: string,
  ) {
    super();
    this.flag = ` ${opaque}`;
  }

  /** @throws MemcachedProtocolError when the reply does not carry this request's opaque. */
  onReply(
    line: string,
    block: Buffer | undefined,
    start: number,
    end: number,
    shared: boolean,
  ): boolean {
    const flag = this.flag;
    const at = line.indexOf(flag);
    const next = at + flag.length;
    if (at < 0 || (next < line.length && line.charCodeAt(next) !== 0x20)) {
      throw new MemcachedProtocolError(
        `Reply ${JSON.stringify(line.slice(0, 80))} does not answer the meta request tagged${flag}: replies are out of step, connection closed.`,
        { server: this.server },
      );
    }
    this.resolve({
      line,
      data: block === undefined ? undefined : keepBytes(block, start, end, shared),
    });
    return true;
  }

  fail(error: MemcachedError): void {
    this.reject(error);
  }
}
