/** One memcached server as an object: `{ host: 'cache-1', port: 11211, weight: 1 }`. */
export interface ServerSpec {
  host: string;
  /** @default 11211 */
  port?: number;
  /** Relative share of the keys (libmemcached's ketama weight). @default 1 */
  weight?: number;
}

/**
 * Servers as `"host:port"`, `"host:port weight"`, a comma-separated string of those, an array of
 * those strings, or an array of {@link ServerSpec}.
 */
export type ServerList = string | readonly (string | ServerSpec)[];

/** A parsed server: `id` is `"host:port"`, the name used in events, errors and stats. */
export interface ServerAddress {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly weight: number;
}

/** memcached's registered port. */
export const DEFAULT_PORT = 11211;

/** Used when neither an explicit list nor `MEMCACHED_SERVERS` is given. */
export const DEFAULT_SERVER = `127.0.0.1:${DEFAULT_PORT}`;

/**
 * Parses a server list. With no list, reads `MEMCACHED_SERVERS` (comma-separated, the one place
 * memkit reads the environment), else `127.0.0.1:11211`.
 * @throws RangeError on a malformed entry, naming it.
 */
export function parseServerList(
  servers?: ServerList,
  env: Record<string, string | undefined> = process.env,
): ServerAddress[] {
  let source: ServerList | undefined = servers;
  let origin = 'servers';
  if (source === undefined) {
    const fromEnv = env.MEMCACHED_SERVERS?.trim();
    source = fromEnv ? fromEnv : DEFAULT_SERVER;
    origin = fromEnv ? 'MEMCACHED_SERVERS' : 'servers';
  }
  const entries: (string | ServerSpec)[] =
    typeof source === 'string' ? source.split(',') : [...source];
  const out: ServerAddress[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    if (typeof entry === 'string' && entry.trim() === '' && typeof source === 'string') continue;
    const parsed = typeof entry === 'string' ? parseEntry(entry, origin) : fromSpec(entry, origin);
    if (seen.has(parsed.id)) {
      throw new RangeError(`Invalid option "${origin}": server ${parsed.id} is listed twice.`);
    }
    seen.add(parsed.id);
    out.push(parsed);
  }
  if (out.length === 0) {
    throw new RangeError(`Invalid option "${origin}": expected at least one server, got none.`);
  }
  return out;
}

function parseEntry(raw: string, origin: string): ServerAddress {
  const text = raw.trim();
  const bad = () =>
    new RangeError(
      `Invalid option "${origin}": expected "host:port" or "host:port weight", got ${JSON.stringify(raw)}.`,
    );
  const parts = text.split(/\s+/);
  if (parts.length > 2 || !parts[0]) throw bad();
  const hostPort = parts[0];
  let host: string;
  let portText: string | undefined;
  if (hostPort.startsWith('[')) {
    // IPv6 literal: "[::1]:11211".
    const close = hostPort.indexOf(']');
    if (close < 0) throw bad();
    host = hostPort.slice(1, close);
    const rest = hostPort.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) throw bad();
    portText = rest === '' ? undefined : rest.slice(1);
  } else {
    const colon = hostPort.lastIndexOf(':');
    if (colon >= 0 && hostPort.indexOf(':') !== colon) throw bad();
    host = colon < 0 ? hostPort : hostPort.slice(0, colon);
    portText = colon < 0 ? undefined : hostPort.slice(colon + 1);
  }
  if (host === '') throw bad();
  const port = portText === undefined ? DEFAULT_PORT : Number(portText);
  const weight = parts[1] === undefined ? 1 : Number(parts[1]);
  return checked(host, port, weight, origin, raw);
}

function fromSpec(spec: ServerSpec, origin: string): ServerAddress {
  if (spec === null || typeof spec !== 'object' || typeof spec.host !== 'string' || !spec.host) {
    throw new RangeError(
      `Invalid option "${origin}": expected { host, port?, weight? }, got ${JSON.stringify(spec)}.`,
    );
  }
  return checked(
    spec.host,
    spec.port ?? DEFAULT_PORT,
    spec.weight ?? 1,
    origin,
    JSON.stringify(spec),
  );
}

function checked(
  host: string,
  port: number,
  weight: number,
  origin: string,
  raw: string,
): ServerAddress {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(
      `Invalid option "${origin}": port must be an integer 1..65535, got ${raw}.`,
    );
  }
  if (!Number.isInteger(weight) || weight < 1) {
    throw new RangeError(
      `Invalid option "${origin}": weight must be a positive integer, got ${raw}.`,
    );
  }
  const id = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return { id, host, port, weight };
}
