import { createServer, type Server, type Socket } from 'node:net';
import { startFastifyDemo } from '../../../demo-fastify/src/index.js';
import { startDemo } from '../../src/index.js';

/** What the contract suite needs from a running demo, whichever framework serves it. */
export interface ContractDemo {
  url: string;
  adminToken: string;
  lookups(): number;
  close(): Promise<void>;
}

/** A started demo with its banner lines and JSON log lines. */
export interface Started {
  demo: ContractDemo;
  banner: string[];
  logs: Record<string, unknown>[];
}

/** Both demos, started the same way from the same environment. */
export const FRAMEWORKS = [
  {
    name: 'Express (demo-api)',
    start: startDemo,
  },
  {
    name: 'Fastify (demo-fastify)',
    start: startFastifyDemo,
  },
] as const;

/** The quiet defaults of a test run; `env` overrides them. */
export async function startWith(
  framework: (typeof FRAMEWORKS)[number],
  env: Record<string, string> = {},
): Promise<Started> {
  const banner: string[] = [];
  const logs: Record<string, unknown>[] = [];
  const running = await framework.start(
    { PORT: '0', DEMO_DB_LATENCY_MS: '1', RATE_LIMIT_MAX: '10000', ...env },
    {
      print: (line) => banner.push(line),
      logDestination: {
        write(chunk: string) {
          for (const line of chunk.split('\n')) if (line !== '') logs.push(JSON.parse(line));
        },
      },
    },
  );
  return {
    demo: {
      url: running.url,
      adminToken: running.adminToken,
      lookups: () => running.db.lookups,
      close: () => running.close(),
    },
    banner,
    logs,
  };
}

/** A "memcached" that accepts connections and never answers: the hung server of an outage. */
export async function startHungServer(): Promise<{ address: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
