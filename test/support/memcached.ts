import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';

/** True when the Debian `memcached` binary is on PATH. */
export function hasBinary(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether tests that need a real peer binary should run. Under CI=true a missing binary is a
 * failure, never a skip: CI installs it, so its absence means the pipeline is broken.
 */
export function requireBinary(name: string): boolean {
  if (hasBinary(name)) return true;
  if (process.env.CI) throw new Error(`${name} is required under CI=true but is not installed`);
  return false;
}

/** Asks the kernel for a free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => {
        if (addr && typeof addr === 'object') resolve(addr.port);
        else reject(new Error('no port'));
      });
    });
  });
}

/** A real memcached process started for a test. */
export interface RealMemcached {
  host: string;
  port: number;
  address: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Options of {@link startRealMemcached}. */
export interface RealMemcachedOptions {
  /** Added to its environment (SASL_CONF_PATH for -S). */
  env?: Record<string, string>;
  /**
   * The loopback address to listen on. A test that must see only its own traffic takes one of
   * its own ({@link privateLoopback}): a client another test left reconnecting to 127.0.0.1 on
   * a port this server happens to reuse cannot reach it there. @default '127.0.0.1'
   */
  host?: string;
}

/**
 * A random address in 127.0.0.0/8 other than 127.0.0.1 (all of it is loopback on Linux), for a
 * server no other test's stale connection can reach.
 */
export function privateLoopback(): string {
  const octet = () => 2 + Math.floor(Math.random() * 250);
  return `127.${octet()}.${octet()}.${octet()}`;
}

/** Starts Debian's memcached on an ephemeral loopback port and waits until it accepts. */
export async function startRealMemcached(
  extraArgs: string[] = [],
  options: RealMemcachedOptions = {},
): Promise<RealMemcached> {
  const host = options.host ?? '127.0.0.1';
  const env = options.env ?? {};
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = spawn(
      'memcached',
      ['-l', host, '-p', String(port), '-U', '0', '-u', 'root', ...extraArgs],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, ...env },
      },
    );
    // 'close' fires after stderr is drained, so the EADDRINUSE message is in by then.
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    // A port from freePort() can be handed to a parallel test file at the same time; the
    // other memcached then answers our connect while ours dies with EADDRINUSE. Asking the
    // listener for its pid tells the two apart.
    const tls = extraArgs.includes('-Z') || extraArgs.includes('--enable-ssl');
    // With -S, -Y or -B binary a text `stats` gets no pid back: ask the kernel instead.
    const textStats = !['-S', '-Y', 'binary'].some((a) => extraArgs.includes(a));
    const ok =
      (await waitForPort(host, port, child)) &&
      (textStats ? (await listenerPid(host, port, tls)) === child.pid : listensOn(child.pid, port));
    if (ok) {
      return {
        host,
        port,
        address: `${host}:${port}`,
        process: child,
        stop: () =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      };
    }
    child.kill('SIGKILL');
    await closed;
    if (!stderr.includes('Address already in use'))
      throw new Error(`memcached failed to start: ${stderr}`);
  }
  throw new Error('memcached failed to start after 5 attempts');
}

async function waitForPort(host: string, port: number, child: ChildProcess): Promise<boolean> {
  const { connect } = await import('node:net');
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) return false;
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, host);
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

/** Whether process `pid` holds the socket listening on TCP `port` (Linux /proc). */
function listensOn(pid: number | undefined, port: number): boolean {
  if (pid === undefined) return false;
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'latin1');
    } catch {
      continue;
    }
    for (const row of text.split('\n').slice(1)) {
      const f = row.trim().split(/\s+/);
      // local_address is HEX_IP:HEX_PORT; state 0A is LISTEN; field 9 is the inode.
      if (f[1]?.endsWith(`:${hexPort}`) && f[3] === '0A' && f[9] !== undefined) inodes.add(f[9]);
    }
  }
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m?.[1] !== undefined && inodes.has(m[1])) return true;
    }
  } catch {
    return false;
  }
  return false;
}

/** The pid reported by `stats` on host:port, or undefined when nothing sane answers. */
async function listenerPid(host: string, port: number, tls = false): Promise<number | undefined> {
  const { connect } = await import('node:net');
  const tlsModule = await import('node:tls');
  return new Promise((resolve) => {
    // A TLS listener (-Z) is asked over TLS; the test's certificate is not verified here.
    const s = tls
      ? tlsModule.connect({ port, host, rejectUnauthorized: false })
      : connect(port, host);
    let data = '';
    const done = (pid: number | undefined) => {
      clearTimeout(timer);
      s.destroy();
      resolve(pid);
    };
    const timer = setTimeout(() => done(undefined), 2000);
    s.on('data', (d: Buffer) => {
      data += d.toString('latin1');
      if (data.includes('END\r\n')) {
        const m = /STAT pid (\d+)/.exec(data);
        done(m ? Number(m[1]) : undefined);
      }
    });
    s.once('error', () => done(undefined));
    s.once('close', () => done(undefined));
    s.write('stats\r\n');
  });
}

/**
 * Freezes a server process (SIGSTOP) and returns once the kernel reports it stopped. kill()
 * only queues the signal: without the wait, a request sent right after it can still be
 * answered by a thread that had not been stopped yet, and a "hung server" test sees a reply.
 */
export function suspend(pid: number | undefined): void {
  if (pid === undefined) throw new Error('no process to suspend');
  process.kill(pid, 'SIGSTOP');
  const tick = new Int32Array(new SharedArrayBuffer(4));
  const stopped = (stat: string) => {
    // "pid (comm) S ...": T (or t) once that thread is stopped.
    const state = stat.charAt(stat.lastIndexOf(')') + 2);
    return state === 'T' || state === 't';
  };
  for (let i = 0; i < 2000; i++) {
    // Every thread, not just the main one: a worker thread is what answers requests.
    const threads = readdirSync(`/proc/${pid}/task`);
    if (threads.every((t) => stopped(readFileSync(`/proc/${pid}/task/${t}/stat`, 'latin1')))) {
      return;
    }
    Atomics.wait(tick, 0, 0, 1);
  }
  throw new Error(`process ${pid} did not stop within 2 s of SIGSTOP`);
}

/** {@link suspend} for a started child process. */
export async function freeze(child: ChildProcess): Promise<void> {
  suspend(child.pid);
}
