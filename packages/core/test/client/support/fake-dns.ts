import { createSocket, type Socket } from 'node:dgram';

/** The records a {@link FakeDns} serves for one name. */
export interface FakeRecords {
  a?: string[];
  srv?: { target: string; port: number }[];
}

/** A DNS server on loopback UDP answering A and SRV queries from a table the test changes. */
export interface FakeDns {
  /** `"127.0.0.1:port"`, for `dnsServers`. */
  readonly address: string;
  /** Replaces the records of `name` (undefined: NXDOMAIN). */
  set(name: string, records: FakeRecords | undefined): void;
  close(): Promise<void>;
}

const TYPE_A = 1;
const TYPE_SRV = 33;

/** Starts a fake DNS server: just enough of RFC 1035 for node's resolver. */
export async function startFakeDns(): Promise<FakeDns> {
  const table = new Map<string, FakeRecords>();
  const socket: Socket = createSocket('udp4');
  socket.on('message', (query, peer) => {
    const { name, type, end } = readQuestion(query);
    const records = table.get(name.toLowerCase());
    const answers: Buffer[] = [];
    if (records !== undefined && type === TYPE_A) {
      for (const ip of records.a ?? []) {
        answers.push(answer(TYPE_A, Buffer.from(ip.split('.').map(Number))));
      }
    } else if (records !== undefined && type === TYPE_SRV) {
      for (const r of records.srv ?? []) {
        const head = Buffer.alloc(6);
        head.writeUInt16BE(0, 0); // priority
        head.writeUInt16BE(1, 2); // weight
        head.writeUInt16BE(r.port, 4);
        answers.push(answer(TYPE_SRV, Buffer.concat([head, encodeName(r.target)])));
      }
    }
    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0);
    // Response, recursion desired and available; NXDOMAIN for unknown names.
    header.writeUInt16BE(0x8180 | (records === undefined ? 3 : 0), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    socket.send(
      Buffer.concat([header, query.subarray(12, end), ...answers]),
      peer.port,
      peer.address,
    );
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    set(name, records) {
      if (records === undefined) table.delete(name.toLowerCase());
      else table.set(name.toLowerCase(), records);
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

function readQuestion(query: Buffer): { name: string; type: number; end: number } {
  const labels: string[] = [];
  let i = 12;
  for (let n = query[i] as number; n > 0; n = query[i] as number) {
    labels.push(query.toString('latin1', i + 1, i + 1 + n));
    i += n + 1;
  }
  i++;
  return { name: labels.join('.'), type: query.readUInt16BE(i), end: i + 4 };
}

function answer(type: number, rdata: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt16BE(0xc00c, 0); // pointer to the question's name
  head.writeUInt16BE(type, 2);
  head.writeUInt16BE(1, 4); // IN
  head.writeUInt32BE(0, 6); // TTL 0: nothing caches the answer
  head.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([head, rdata]);
}

function encodeName(name: string): Buffer {
  const parts = name.split('.').filter(Boolean);
  return Buffer.concat([
    ...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'latin1')])),
    Buffer.from([0]),
  ]);
}
