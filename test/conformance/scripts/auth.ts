import { bin, OP } from '../lib/binary.js';
import { type ConformanceScript, script } from '../lib/script.js';

/** The users of the auth file the `-Y` suite starts both servers with. */
export const AUTH_FILE_TEXT = 'app:s3cret\nops:pw2\n';

const login = 'set anything 0 0 10\r\napp s3cret\r\n';

/**
 * ASCII authentication (memcached's -Y): every script ends authenticated (the sync is text).
 * memcached sends only the last of the auth-phase replies that one read produced (they share
 * one response object), so which are seen depends on how reads fall: such scripts are sent
 * whole.
 */
export const authScripts: ConformanceScript[] = [
  script(
    'auth: every command is refused until the auth set',
    `get k\r\nversion\r\nmg k v\r\nset k 0 0 x\r\nset k 0\r\n\r\nstats\r\n${login}version\r\n`,
    { modes: ['whole'] },
  ),
  script(
    'auth: wrong credentials, bad token, then good',
    'set a 0 0 9\r\napp wrong\r\nset a 0 0 3\r\napp\r\nset a 0 0 7\r\nops pw2\r\nget a\r\n',
    { modes: ['whole'] },
  ),
  script(
    'auth: extra words after the password are ignored',
    'set a 0 0 14\r\napp s3cret xyz\r\nset k 0 0 1\r\nv\r\nget k\r\n',
  ),
  script('auth: bad termination', `set a 0 0 10\r\napp s3cretXX${login}`, { modes: ['whole'] }),
  script(
    'auth: stats settings and counters after auth',
    `set a 0 0 9\r\napp wrong\r\n${login}stats settings\r\n`,
    { fresh: true, modes: ['whole'] },
  ),
  script('auth: binary request is read as text', `${bin(OP.GET, { key: 'k\r\n' })}\r\n${login}`, {
    modes: ['whole'],
  }),
];
