/**
 * Binary-protocol scripts for the differential suite: a request builder whose output is a
 * latin1 string (so binary scripts are ConformanceScripts like the text ones), the sync
 * request, CAS placeholders, and a transcript decoder that renders each response packet as
 * one readable line with the same normalization as the text transcripts.
 */
import { Opcode } from '../../../packages/core/src/server/binary/protocol.js';
import { normalizeLine, visible } from './normalize.js';
import { CLOSED, STUCK } from './wire.js';

/** Opcodes (memcached's protocol_binary.h): the server's own table, written once. */
export const OP = Opcode;

/** Header fields a script may set; the lengths default to those of the parts given. */
export interface BinRequest {
  key?: string;
  extras?: string;
  value?: string;
  opaque?: number;
  /** A number, or a placeholder `{cas:NN}` for the NN-th distinct CAS seen so far. */
  cas?: number | string;
  magic?: number;
  keyLength?: number;
  extrasLength?: number;
  bodyLength?: number;
}

/** 4 bytes big-endian as latin1. */
export function u32(n: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b.toString('latin1');
}

/** 8 bytes big-endian as latin1. */
export function u64(n: bigint | number): string {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n), 0);
  return b.toString('latin1');
}

/** One request packet as a latin1 string. */
export function bin(opcode: number, r: BinRequest = {}): string {
  const key = r.key ?? '';
  const extras = r.extras ?? '';
  const value = r.value ?? '';
  const h = Buffer.alloc(24);
  h[0] = r.magic ?? 0x80;
  h[1] = opcode;
  h.writeUInt16BE(r.keyLength ?? key.length, 2);
  h[4] = r.extrasLength ?? extras.length;
  h.writeUInt32BE(r.bodyLength ?? extras.length + key.length + value.length, 8);
  h.writeUInt32BE((r.opaque ?? 0xa0000000 + opcode) >>> 0, 12);
  let cas = '';
  if (typeof r.cas === 'string') {
    if (!/^\{cas:\d\d\}$/.test(r.cas)) throw new Error(`bad CAS placeholder ${r.cas}`);
    cas = r.cas;
  } else {
    h.writeBigUInt64BE(BigInt(r.cas ?? 0), 16);
    cas = h.toString('latin1', 16, 24);
  }
  return h.toString('latin1', 0, 16) + cas + extras + key + value;
}

/** SET/ADD/REPLACE (and quiet forms): extras are flags and expiration. */
export function binStore(
  opcode: number,
  key: string,
  value: string,
  o: { flags?: number; exptime?: number; cas?: number | string; opaque?: number } = {},
): string {
  return bin(opcode, {
    key,
    value,
    extras: u32(o.flags ?? 0) + u32(o.exptime ?? 0),
    cas: o.cas,
    opaque: o.opaque,
  });
}

/** INCREMENT/DECREMENT: extras are delta, initial and expiration. */
export function binDelta(
  opcode: number,
  key: string,
  delta: bigint | number,
  initial: bigint | number,
  exptime: number,
  o: { cas?: number | string; opaque?: number } = {},
): string {
  return bin(opcode, {
    key,
    extras: u64(delta) + u64(initial) + u32(exptime),
    cas: o.cas,
    opaque: o.opaque,
  });
}

/** The sync request that ends each step of a binary script: a NOOP with its own opaque. */
export function syncRequest(n: number): string {
  return bin(OP.NOOP, { opaque: 0x5e000000 + n });
}

/** One response packet, decoded. */
interface Packet {
  opcode: number;
  status: number;
  opaque: number;
  cas: bigint;
  extras: string;
  key: string;
  value: string;
  magic: number;
  dataType: number;
}

/** Splits a stream into packets; `rest` is what did not form a whole one. */
function splitPackets(stream: string): { packets: Packet[]; rest: string } {
  const b = Buffer.from(stream, 'latin1');
  const packets: Packet[] = [];
  let i = 0;
  while (b.length - i >= 24) {
    const keyLength = b.readUInt16BE(i + 2);
    const extrasLength = b[i + 4] as number;
    const bodyLength = b.readUInt32BE(i + 8);
    if (b.length - i - 24 < bodyLength) break;
    const at = i + 24;
    packets.push({
      magic: b[i] as number,
      opcode: b[i + 1] as number,
      dataType: b[i + 5] as number,
      status: b.readUInt16BE(i + 6),
      opaque: b.readUInt32BE(i + 12),
      cas: b.readBigUInt64BE(i + 16),
      extras: b.toString('latin1', at, at + extrasLength),
      key: b.toString('latin1', at + extrasLength, at + extrasLength + keyLength),
      value: b.toString('latin1', at + extrasLength + keyLength, at + bodyLength),
    });
    i = at + bodyLength;
  }
  return { packets, rest: b.toString('latin1', i) };
}

/** Whether a NOOP response with `opaque` has arrived at or after byte `from`. */
export function hasSyncReply(stream: string, n: number): boolean {
  return splitPackets(stream).packets.some(
    (p) => p.opcode === OP.NOOP && p.opaque === 0x5e000000 + n,
  );
}

/** The distinct non-zero CAS values in a response stream, in order of appearance. */
export function extractBinaryCas(stream: string): bigint[] {
  const seen: bigint[] = [];
  for (const p of splitPackets(stream).packets) {
    if (p.cas !== 0n && !seen.includes(p.cas)) seen.push(p.cas);
  }
  return seen;
}

/** Replaces `{cas:NN}` placeholders with the NN-th CAS seen (8 bytes). */
export function substituteBinaryCas(step: string, cas: bigint[]): string {
  return step.replace(/\{cas:(\d\d)\}/g, (m, n: string) => {
    const v = cas[Number(n) - 1];
    return v === undefined ? m : u64(v);
  });
}

function hex(s: string): string {
  return Buffer.from(s, 'latin1').toString('hex');
}

/**
 * Renders a binary transcript for diffing: one line per packet with every header field and
 * the body; CAS values renamed #1, #2... by first appearance, the VERSION body and the stat
 * values memcached's text transcripts normalize (wall clock, pids, connections) hidden.
 */
export function normalizeBinaryTranscript(transcript: string): string {
  let stream = transcript;
  let trailer = '';
  for (const marker of [CLOSED, STUCK]) {
    if (stream.endsWith(marker)) {
      stream = stream.slice(0, -marker.length);
      trailer = marker;
    }
  }
  const { packets, rest } = splitPackets(stream);
  const order = extractBinaryCas(stream);
  let out = '';
  for (const p of packets) {
    const cas = p.cas === 0n ? '0' : `#${order.indexOf(p.cas) + 1}`;
    let body: string;
    if (p.opcode === OP.VERSION && p.status === 0) body = 'value=<version>';
    else if (p.opcode === OP.STAT && p.status === 0 && p.key !== '') {
      const line = normalizeLine(`STAT ${p.key} ${p.value}`, (v) => v);
      body = `stat=${visible(line)}`;
    } else {
      body = `key=${visible(p.key)} value=${visible(p.value)}`;
    }
    out += `magic=${p.magic.toString(16)} op=${p.opcode.toString(16)} status=${p.status.toString(16)} type=${p.dataType} opaque=${p.opaque.toString(16)} cas=${cas} extras=${hex(p.extras)} ${body}\n`;
  }
  if (rest.length > 0) out += `partial=${hex(rest)}\n`;
  return out + trailer;
}

/** The empty STAT packet that ends a stats reply to a request with the default opaque. */
export const STATS_END = `\x81\x10${'\0'.repeat(10)}${u32(0xa0000010)}${'\0'.repeat(8)}`;
