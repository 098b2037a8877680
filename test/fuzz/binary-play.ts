import { bin, OP, u32 } from '../conformance/lib/binary.js';
import { open } from '../conformance/lib/wire.js';

const PROBE_OPAQUE = 0x0f0f0f0f;
const PROBE = bin(OP.NOOP, { opaque: PROBE_OPAQUE });
const PROBE_REPLY = `\x81\x0a${'\0'.repeat(10)}${u32(PROBE_OPAQUE)}${'\0'.repeat(8)}`;
const WAIT_MS = 1500;

/**
 * Sends a binary request stream and a NOOP probe in one write; returns the transcript once the
 * probe is answered or the connection closes.
 */
export async function play(port: number, data: string): Promise<string> {
  const socket = await open(port);
  let got = '';
  return new Promise((resolve) => {
    const finish = (suffix: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(got + suffix);
    };
    const timer = setTimeout(() => finish('\n[stuck]'), WAIT_MS);
    socket.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.endsWith(PROBE_REPLY)) finish('');
    });
    socket.on('error', () => {});
    socket.on('close', () => finish('\n[connection closed by server]'));
    socket.write(Buffer.from(data + PROBE, 'latin1'));
  });
}
