import { connect, type Socket } from 'node:net';
import { extractBinaryCas, hasSyncReply, substituteBinaryCas, syncRequest } from './binary.js';
import { extractCas } from './normalize.js';
import { seededRandom } from './rng.js';
import type { ConformanceScript, SendMode } from './script.js';

/** The key the sync request asks for; no script uses it. */
export const SENTINEL_KEY = '__memkit_sentinel__';

/** How long one wait for replies may take before the run is reported as stuck. */
const WAIT_MS = 5000;

/** Marker appended to a transcript when the server closed the connection. */
export const CLOSED = '\n[connection closed by server]';
/** Marker appended when the server neither answered the sync request nor closed. */
export const STUCK = '\n[no reply to the sync request: server still waiting for input]';

/** A connection that records every byte it receives and can wait for a substring or close. */
class Recorder {
  readonly socket: Socket;
  data = '';
  closed = false;
  private waiter: (() => void) | undefined;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      this.data += d.toString('latin1');
      this.waiter?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
    socket.on('error', () => {
      // A reset shows up as close; the transcript records it.
    });
  }

  /** Resolves true once `needle` appears after `from`, false on close or timeout. */
  waitFor(needle: string | undefined, from: number, test?: () => boolean): Promise<boolean> {
    return new Promise((resolve) => {
      const check = () => {
        if (needle !== undefined && this.data.indexOf(needle, from) >= 0) return done(true);
        if (test?.()) return done(true);
        if (this.closed) return done(false);
      };
      const timer = setTimeout(() => done(false), WAIT_MS);
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.waiter = undefined;
        resolve(ok);
      };
      this.waiter = check;
      check();
    });
  }
}

/** Opens a loopback connection. */
export function open(port: number, host = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, host);
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Writes bytes cut into pieces according to the mode, yielding to the event loop between pieces. */
async function send(
  socket: Socket,
  bytes: Buffer,
  mode: SendMode,
  rand: () => number,
): Promise<void> {
  if (mode === 'whole') {
    socket.write(bytes);
    return;
  }
  let i = 0;
  while (i < bytes.length) {
    // Up to 64 bytes per write for ordinary scripts; large values get proportionally larger
    // pieces so a megabyte does not take tens of thousands of event-loop turns.
    const max = Math.min(bytes.length, Math.max(64, Math.floor(bytes.length / 100)));
    const n = mode === 'bytewise' ? 1 : 1 + Math.floor(rand() * max);
    const ok = socket.write(bytes.subarray(i, i + n));
    i += n;
    if (!ok) await drainOrClose(socket);
    else await new Promise<void>((r) => setImmediate(r));
    if (socket.destroyed) return;
  }
}

function drainOrClose(socket: Socket): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.once('drain', done);
    socket.once('close', done);
  });
}

function substitute(step: string, cas: string[]): string {
  return step.replace(/\{c(\d+)\}/g, (_, n: string) => cas[Number(n) - 1] ?? `{c${n}}`);
}

/**
 * Runs a script on a new connection and returns everything the server sent (latin1), followed
 * by {@link CLOSED} or {@link STUCK} when the conversation did not end normally.
 */
export async function runScript(
  port: number,
  s: ConformanceScript,
  mode: SendMode,
  seed: number,
): Promise<string> {
  const rec = new Recorder(await open(port));
  const rand = seededRandom(seed);
  let sync = 0;
  try {
    for (let i = 0; i < s.steps.length; i++) {
      const last = i === s.steps.length - 1;
      const step = s.binary
        ? substituteBinaryCas(s.steps[i] ?? '', extractBinaryCas(rec.data))
        : substitute(s.steps[i] ?? '', extractCas(rec.data));
      const stepStart = rec.data.length;
      await send(rec.socket, Buffer.from(step, 'latin1'), mode, rand);
      if (rec.closed) break;
      const until = typeof s.until === 'string' ? (last ? s.until : undefined) : s.until?.[i];
      if (until !== undefined) {
        const ok = await rec.waitFor(
          undefined,
          0,
          () => rec.data.length > stepStart && rec.data.endsWith(until),
        );
        if (!ok) return rec.data + (rec.closed ? CLOSED : STUCK);
        continue;
      }
      if (last && s.end === 'close') {
        if (!(await rec.waitFor(undefined, 0)) && !rec.closed) return rec.data + STUCK;
        break;
      }
      sync++;
      if (s.binary) {
        const n = sync;
        rec.socket.write(Buffer.from(syncRequest(n), 'latin1'));
        const ok = await rec.waitFor(undefined, 0, () => hasSyncReply(rec.data, n));
        if (!ok) return rec.data + (rec.closed ? CLOSED : STUCK);
        continue;
      }
      const opaque = `Osync${sync}z`;
      const from = rec.data.length;
      rec.socket.write(`mg ${SENTINEL_KEY} ${opaque}\r\n`);
      // Wait for the token, then for the end of its line, whatever the line ending: a broken
      // reply then shows up in the diff at once instead of as a 5 s timeout.
      const ok = await rec.waitFor(opaque, from);
      if (!ok) return rec.data + (rec.closed ? CLOSED : STUCK);
      const at = rec.data.indexOf(opaque, from) + opaque.length;
      if (!(await rec.waitFor('\n', at))) return rec.data + (rec.closed ? CLOSED : STUCK);
    }
    return rec.data + (rec.closed ? CLOSED : '');
  } finally {
    rec.socket.destroy();
  }
}

/** Sends one request on a new connection and resolves with the reply once `until` arrives. */
export async function request(port: number, text: string, until: string): Promise<string> {
  const rec = new Recorder(await open(port));
  try {
    rec.socket.write(Buffer.from(text, 'latin1'));
    const ok = await rec.waitFor(until, 0);
    if (!ok)
      throw new Error(
        `no ${JSON.stringify(until)} in reply to ${JSON.stringify(text)}: ${JSON.stringify(rec.data)}`,
      );
    return rec.data;
  } finally {
    rec.socket.destroy();
  }
}
