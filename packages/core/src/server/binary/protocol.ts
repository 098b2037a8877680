/**
 * memcached's binary protocol as `protocol_binary.h` defines it: magic bytes, opcodes, status
 * codes and the 24-byte header, decoded and encoded as pure functions over bytes.
 */

/** First byte of every request; memcached's `-B auto` picks the binary protocol on it. */
export const REQUEST_MAGIC = 0x80;
/** First byte of every response. */
export const RESPONSE_MAGIC = 0x81;
/** Bytes in a request or response header. */
export const HEADER_SIZE = 24;

/** Opcodes (PROTOCOL_BINARY_CMD_*). */
export const Opcode = {
  GET: 0x00,
  SET: 0x01,
  ADD: 0x02,
  REPLACE: 0x03,
  DELETE: 0x04,
  INCREMENT: 0x05,
  DECREMENT: 0x06,
  QUIT: 0x07,
  FLUSH: 0x08,
  GETQ: 0x09,
  NOOP: 0x0a,
  VERSION: 0x0b,
  GETK: 0x0c,
  GETKQ: 0x0d,
  APPEND: 0x0e,
  PREPEND: 0x0f,
  STAT: 0x10,
  SETQ: 0x11,
  ADDQ: 0x12,
  REPLACEQ: 0x13,
  DELETEQ: 0x14,
  INCREMENTQ: 0x15,
  DECREMENTQ: 0x16,
  QUITQ: 0x17,
  FLUSHQ: 0x18,
  APPENDQ: 0x19,
  PREPENDQ: 0x1a,
  VERBOSITY: 0x1b,
  TOUCH: 0x1c,
  GAT: 0x1d,
  GATQ: 0x1e,
  SASL_LIST_MECHS: 0x20,
  SASL_AUTH: 0x21,
  SASL_STEP: 0x22,
  GATK: 0x23,
  GATKQ: 0x24,
} as const;

/** Response status codes (PROTOCOL_BINARY_RESPONSE_*). */
export const Status = {
  SUCCESS: 0x00,
  KEY_ENOENT: 0x01,
  KEY_EEXISTS: 0x02,
  E2BIG: 0x03,
  EINVAL: 0x04,
  NOT_STORED: 0x05,
  DELTA_BADVAL: 0x06,
  AUTH_ERROR: 0x20,
  AUTH_CONTINUE: 0x21,
  UNKNOWN_COMMAND: 0x81,
  ENOMEM: 0x82,
} as const;

/**
 * The quiet opcodes and the loud ones they stand for (memcached's dispatch_bin_command maps
 * each before handling it and sets `noreply`).
 */
export const QUIET_OF: ReadonlyMap<number, number> = new Map([
  [Opcode.SETQ, Opcode.SET],
  [Opcode.ADDQ, Opcode.ADD],
  [Opcode.REPLACEQ, Opcode.REPLACE],
  [Opcode.DELETEQ, Opcode.DELETE],
  [Opcode.INCREMENTQ, Opcode.INCREMENT],
  [Opcode.DECREMENTQ, Opcode.DECREMENT],
  [Opcode.QUITQ, Opcode.QUIT],
  [Opcode.FLUSHQ, Opcode.FLUSH],
  [Opcode.APPENDQ, Opcode.APPEND],
  [Opcode.PREPENDQ, Opcode.PREPEND],
  [Opcode.GETQ, Opcode.GET],
  [Opcode.GETKQ, Opcode.GETK],
  [Opcode.GATQ, Opcode.GAT],
  [Opcode.GATKQ, Opcode.GATK],
]);

/** The error text memcached's write_bin_error sends when it is given none. */
export function defaultErrorText(status: number): string {
  switch (status) {
    case Status.ENOMEM:
      return 'Out of memory';
    case Status.UNKNOWN_COMMAND:
      return 'Unknown command';
    case Status.KEY_ENOENT:
      return 'Not found';
    case Status.EINVAL:
      return 'Invalid arguments';
    case Status.KEY_EEXISTS:
      return 'Data exists for key.';
    case Status.E2BIG:
      return 'Too large.';
    case Status.DELTA_BADVAL:
      return 'Non-numeric server-side value for incr or decr';
    case Status.NOT_STORED:
      return 'Not stored.';
    case Status.AUTH_ERROR:
      return 'Auth failure.';
    default:
      return 'UNHANDLED ERROR';
  }
}

/** A request header, fields in host order. */
export interface RequestHeader {
  readonly magic: number;
  readonly opcode: number;
  readonly keyLength: number;
  readonly extrasLength: number;
  readonly dataType: number;
  readonly vbucket: number;
  readonly bodyLength: number;
  /** The 4 opaque bytes, echoed unchanged. */
  readonly opaque: number;
  readonly cas: bigint;
}

/** Decodes the 24 header bytes at `pos` (the caller checked they are there). */
export function decodeHeader(buf: Buffer, pos: number): RequestHeader {
  return {
    magic: buf[pos] as number,
    opcode: buf[pos + 1] as number,
    keyLength: buf.readUInt16BE(pos + 2),
    extrasLength: buf[pos + 4] as number,
    dataType: buf[pos + 5] as number,
    vbucket: buf.readUInt16BE(pos + 6),
    bodyLength: buf.readUInt32BE(pos + 8),
    opaque: buf.readUInt32BE(pos + 12),
    cas: buf.readBigUInt64BE(pos + 16),
  };
}

/** The parts of one response packet; absent parts are empty. */
export interface ResponseParts {
  readonly opcode: number;
  readonly status: number;
  readonly opaque: number;
  readonly cas?: bigint | number | undefined;
  readonly extras?: Buffer | undefined;
  readonly key?: Buffer | string | undefined;
  readonly value?: Buffer | string | undefined;
}

/** Encodes one response packet (strings are latin1, one byte per char). */
export function encodeResponse(r: ResponseParts): Buffer {
  const extrasLength = r.extras?.length ?? 0;
  const keyLength = r.key === undefined ? 0 : r.key.length;
  const valueLength = r.value === undefined ? 0 : r.value.length;
  const out = Buffer.allocUnsafe(HEADER_SIZE + extrasLength + keyLength + valueLength);
  out[0] = RESPONSE_MAGIC;
  out[1] = r.opcode;
  out.writeUInt16BE(keyLength, 2);
  out[4] = extrasLength;
  out[5] = 0;
  out.writeUInt16BE(r.status, 6);
  out.writeUInt32BE(extrasLength + keyLength + valueLength, 8);
  out.writeUInt32BE(r.opaque, 12);
  out.writeBigUInt64BE(BigInt(r.cas ?? 0), 16);
  let at = HEADER_SIZE;
  if (r.extras !== undefined) at += r.extras.copy(out, at);
  if (typeof r.key === 'string') at += out.write(r.key, at, 'latin1');
  else if (r.key !== undefined) at += r.key.copy(out, at);
  if (typeof r.value === 'string') out.write(r.value, at, 'latin1');
  else if (r.value !== undefined) r.value.copy(out, at);
  return out;
}
