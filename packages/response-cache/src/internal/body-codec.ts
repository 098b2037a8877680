import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** A body as written to memcached. */
export interface EncodedBody {
  enc: 'identity' | 'deflate';
  data: Buffer;
}

/**
 * Deflates bodies over `threshold` bytes when that saves at least an eighth: memcached memory is
 * the scarce resource, and already-compressed bodies (images, gzip) are left alone.
 */
export function encodeBody(body: Buffer, threshold: number): EncodedBody {
  if (body.length <= threshold) return { enc: 'identity', data: body };
  const deflated = deflateRawSync(body, { level: 6 });
  return deflated.length <= body.length - (body.length >> 3)
    ? { enc: 'deflate', data: deflated }
    : { enc: 'identity', data: body };
}

/** Restores the bytes the origin sent. */
export function decodeBody(enc: string, data: Buffer): Buffer {
  return enc === 'deflate' ? inflateRawSync(data) : data;
}
