#!/usr/bin/env node
// `pnpm hello`: the guide's tour, on the in-process memcached unless MEMCACHED_SERVERS is set.
import { MemcachedClient, type MemcachedServer, startServer } from '@memkit/core';
import { runTour } from './tour.js';

const fleet = process.env.MEMCACHED_SERVERS?.trim();
let embedded: MemcachedServer | undefined;
if (!fleet) embedded = await startServer({ port: 0 });
const servers = fleet ? fleet.split(',').map((s) => s.trim()) : [embedded!.address];
const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
print('memkit hello-world: a tour of memcached from Node.js');
print(
  embedded === undefined
    ? `using memcached at ${servers.join(', ')} (MEMCACHED_SERVERS)`
    : `no MEMCACHED_SERVERS set: started the in-process memcached on ${embedded.address}`,
);
const client = new MemcachedClient(servers);
try {
  await runTour(client, { print });
} finally {
  await client.close();
  await embedded?.close();
}
