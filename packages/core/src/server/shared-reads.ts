import { Socket } from 'node:net';

/** Bytes libuv may read from a socket at once (memcached reads 16 KiB; more costs nothing). */
export const SHARED_READ_SIZE = 64 * 1024;

/** The part of an accepted net.Socket this module relies on: its libuv TCP handle. */
interface HandleCarrier {
  _handle: object | null;
}

/**
 * Re-wraps an accepted TCP socket so that libuv reads straight into `buffer` (one buffer the
 * whole server reuses) and hands each read to `onRead`, using net.Socket's `onread` option.
 *
 * Why: a plain server socket allocates a 64 KiB backing store per read, shrinks it, wraps it
 * in a Buffer and pushes it through the Readable stream; under memcaslap that is about a third
 * of the server's own CPU per request. With one reused buffer the server only copies what it
 * keeps (unparsed bytes, values), which it does anyway.
 *
 * The accepted socket must come from a server created with `pauseOnConnect: true`, so that
 * nothing was read yet. `onRead`'s chunk is only valid during the call. Returns undefined when
 * the socket has no TCP handle to adopt (e.g. TLS); the caller then reads it as usual.
 */
export function adoptWithSharedReads(
  accepted: Socket,
  buffer: Buffer,
  onRead: (chunk: Buffer) => void,
  options: { allowHalfOpen: boolean },
): Socket | undefined {
  const carrier = accepted as unknown as HandleCarrier;
  const handle = carrier._handle;
  if (handle === null || typeof handle !== 'object') return undefined;
  const socket = new Socket({
    handle,
    allowHalfOpen: options.allowHalfOpen,
    readable: true,
    writable: true,
    onread: {
      buffer,
      callback: (nread: number) => {
        onRead(buffer.subarray(0, nread));
        return true;
      },
    },
  } as ConstructorParameters<typeof Socket>[0]);
  // The first wrapper gives up the handle: destroying it now releases its place in the
  // listener's connection count without closing the connection the new wrapper owns.
  carrier._handle = null;
  accepted.destroy();
  return socket;
}
