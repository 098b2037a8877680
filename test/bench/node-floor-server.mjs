#!/usr/bin/env node
// The Node floor for test/bench/server.mjs: a bare `node:net` server that does the least a
// memcached must do for memcaslap — split request lines, skip a set's data block, answer
// `STORED` or `END` (every get a miss) — with no store and no protocol rules. memcaslap cannot
// talk to a literal echo server (it would read its own requests back as replies), so this is
// the echo server's memcached-shaped equivalent: what one Node thread costs per request.
// Usage: node test/bench/node-floor-server.mjs <port>
import { createServer } from 'node:net';

const port = Number(process.argv[2]);
const STORED = Buffer.from('STORED\r\n');
const END = Buffer.from('END\r\n');

createServer({ noDelay: true }, (socket) => {
  let rest;
  let skip = 0;
  socket.on('data', (chunk) => {
    let buf = rest === undefined ? chunk : Buffer.concat([rest, chunk]);
    rest = undefined;
    let pos = 0;
    const replies = [];
    while (pos < buf.length) {
      if (skip > 0) {
        const n = Math.min(skip, buf.length - pos);
        pos += n;
        skip -= n;
        if (skip === 0) replies.push(STORED);
        continue;
      }
      const nl = buf.indexOf(10, pos);
      if (nl < 0) break;
      if (buf[pos] === 0x73 /* s */) {
        const line = buf.toString('latin1', pos, nl);
        skip = Number(line.split(' ')[4]) + 2;
      } else {
        replies.push(END);
      }
      pos = nl + 1;
    }
    if (pos < buf.length) rest = buf.subarray(pos);
    buf = undefined;
    if (replies.length > 0)
      socket.write(replies.length === 1 ? replies[0] : Buffer.concat(replies));
  });
  socket.on('error', () => socket.destroy());
}).listen(port, '127.0.0.1');
