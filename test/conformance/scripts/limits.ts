import { type ConformanceScript, script } from '../lib/script.js';

const value = (n: number) => 'v'.repeat(n);

/**
 * Values just under and over an item size limit (-I). memcached counts its item header, key and
 * suffix against the limit, so the largest storable value is a little under the limit.
 */
export function limitScriptsFor(limit: number): ConformanceScript[] {
  const sizes = [limit - 576, limit - 63, limit - 62, limit - 61, limit - 60, limit, limit + 1];
  return sizes.map((n) =>
    script(
      `-I ${limit}: set value of ${n} bytes`,
      `set big 0 0 ${n}\r\n${value(n)}\r\nmg big s\r\n`,
    ),
  );
}

const SIZES = [1048000, 1048513, 1048514, 1048515, 1048516, 1048576, 1048577, 1100000];

/** Values around the default 1 MiB limit, through set, ms and append. */
export const limitScripts: ConformanceScript[] = [
  ...SIZES.flatMap((n) => [
    script(`set value of ${n} bytes`, `set big 0 0 ${n}\r\n${value(n)}\r\nmg big s\r\n`),
    script(`ms value of ${n} bytes`, `ms big ${n} T0\r\n${value(n)}\r\nmg big s\r\n`),
  ]),
  script(
    'append past the limit',
    `set big 0 0 1048000\r\n${value(1048000)}\r\nappend big 0 0 1000\r\n${value(1000)}\r\nmg big s\r\n`,
  ),
  script(
    'set with 250-byte key near the limit',
    `set ${'k'.repeat(250)} 0 0 1048200\r\n${value(1048200)}\r\nmg ${'k'.repeat(250)} s\r\n`,
  ),
  script(
    'too large then pipelined get',
    `set big 0 0 1048577\r\n${value(1048577)}\r\nget big\r\nversion\r\n`,
  ),
  script(
    'length far over the limit is swallowed',
    `set big 0 0 3000000\r\n${value(3000000)}\r\nversion\r\n`,
  ),
];
