import { describe, expect, it } from 'vitest';
import { bin, binDelta, binStore, OP, u32 } from '../../../../test/conformance/lib/binary.js';
import {
  decodeHeader,
  encodeResponse,
  HEADER_SIZE,
  Status,
} from '../../src/server/binary/protocol.js';
import { type BinaryConnection, BinarySession } from '../../src/server/binary/session.js';
import { ServerClock } from '../../src/server/clock.js';
import { ClusterConfig } from '../../src/server/cluster-config.js';
import type { ServerContext } from '../../src/server/command.js';
import { resolveServerOptions } from '../../src/server/options.js';
import { PrefixStats } from '../../src/server/prefix-stats.js';
import { buildSlabClasses } from '../../src/server/slabs.js';
import { ServerStats } from '../../src/server/stats.js';
import { Store } from '../../src/server/store.js';
import { Tunables } from '../../src/server/tunables.js';

/** A server context and a connection that records what the session writes, no socket. */
function harness() {
  const settings = resolveServerOptions();
  const slabClasses = buildSlabClasses();
  const stats = new ServerStats(slabClasses.length);
  const clock = new ServerClock(0);
  const tunables = new Tunables();
  const server: ServerContext = {
    store: new Store({
      limitBytes: 64 * 1024 * 1024,
      maxItemSize: settings.maxItemSize,
      casEnabled: true,
      clock,
      stats,
      slabClasses,
      tunables,
    }),
    stats,
    clock,
    settings,
    slabClasses,
    verbosity: 0,
    detailEnabled: false,
    prefixStats: new PrefixStats(),
    tunables,
    clusterConfig: new ClusterConfig(undefined),
    startedAt: 0,
    port: 0,
    connections: () => [],
  };
  const out: Buffer[] = [];
  let closed = false;
  const conn: BinaryConnection = {
    server,
    noreply: false,
    lastCommandAt: 0,
    write: (data) => out.push(Buffer.from(data, 'latin1')),
    writeBuffer: (data) => out.push(data),
    reply: (line) => out.push(Buffer.from(`${line}\r\n`, 'latin1')),
    error: (line) => out.push(Buffer.from(`${line}\r\n`, 'latin1')),
    readData: () => {},
    swallow: () => {},
    close: () => {
      closed = true;
    },
    abort: () => {
      closed = true;
    },
    hasPendingOutput: () => false,
    discardPendingOutput: () => {},
    transmit: () => {},
    outputBackedUp: () => false,
  };
  const session = new BinarySession(conn);
  let pending = Buffer.alloc(0);
  return {
    feed(chunk: Buffer) {
      pending = Buffer.concat([pending, chunk]);
      pending = pending.subarray(session.process(pending, 0));
    },
    output: () => Buffer.concat(out),
    closed: () => closed,
  };
}

const PIPELINE = Buffer.from(
  binStore(OP.SET, 'k', 'value\r\nwith\r\nnewlines', { flags: 5 }) +
    binStore(OP.SETQ, 'q', 'x'.repeat(70_000)) +
    bin(OP.GETQ, { key: 'missing' }) +
    bin(OP.GETK, { key: 'k' }) +
    bin(OP.GET, { key: 'q' }) +
    binDelta(OP.INCREMENT, 'n', 3, 7, 0) +
    bin(OP.APPEND, { key: 'k', value: '!' }) +
    bin(0x55, { key: 'ab', extras: 'x', value: 'yz' }) +
    'pad' +
    bin(OP.TOUCH, { key: 'k', extras: u32(10) }) +
    bin(OP.DELETE, { key: 'k' }) +
    bin(OP.NOOP),
  'latin1',
);

describe('the binary session over bytes', () => {
  it('gives the same replies however the request bytes are split', () => {
    const whole = harness();
    whole.feed(PIPELINE);
    const expected = whole.output();
    expect(whole.closed()).toBe(false);
    // Every two-piece split, then one byte at a time.
    for (let cut = 1; cut < PIPELINE.length; cut += cut < 200 ? 1 : 997) {
      const h = harness();
      h.feed(PIPELINE.subarray(0, cut));
      h.feed(PIPELINE.subarray(cut));
      expect(h.output().equals(expected), `split at ${cut}`).toBe(true);
    }
    const bytewise = harness();
    for (let i = 0; i < PIPELINE.length; i++) bytewise.feed(PIPELINE.subarray(i, i + 1));
    expect(bytewise.output().equals(expected)).toBe(true);
  });

  it('answers the pipeline as memcached would', () => {
    const h = harness();
    h.feed(PIPELINE);
    const out = h.output();
    const replies: { opcode: number; status: number; key: string; value: string }[] = [];
    for (let i = 0; i < out.length; ) {
      const head = decodeHeader(out, i);
      const at = i + HEADER_SIZE + head.extrasLength;
      replies.push({
        opcode: head.opcode,
        status: head.vbucket, // a response carries its status where a request has the vbucket
        key: out.toString('latin1', at, at + head.keyLength),
        value: out.toString('latin1', at + head.keyLength, i + HEADER_SIZE + head.bodyLength),
      });
      i += HEADER_SIZE + head.bodyLength;
    }
    expect(replies.map((r) => [r.opcode, r.status, r.key, r.value.slice(0, 24)])).toEqual([
      [OP.SET, 0, '', ''],
      [OP.GETK, 0, 'k', 'value\r\nwith\r\nnewlines'],
      [OP.GET, 0, '', 'x'.repeat(24)],
      [OP.INCREMENT, 0, '', '\0\0\0\0\0\0\0\x07'],
      [OP.APPEND, 0, '', ''],
      [0x55, Status.UNKNOWN_COMMAND, '', 'Unknown command'],
      [OP.TOUCH, 0, '', ''],
      [OP.DELETE, 0, '', ''],
      [OP.NOOP, 0, '', ''],
    ]);
  });

  it('encodes a response header field by field', () => {
    const r = encodeResponse({
      opcode: OP.GETK,
      status: Status.KEY_ENOENT,
      opaque: 0xdeadbeef,
      cas: 42n,
      extras: Buffer.from([1, 2, 3, 4]),
      key: 'key',
      value: 'v',
    });
    expect(r.toString('hex')).toBe(
      `810c0003040000010000000${(4 + 3 + 1).toString(16)}deadbeef000000000000002a01020304${Buffer.from('keyv').toString('hex')}`,
    );
  });
});
