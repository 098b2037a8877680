import { checkCredentials } from '../auth/credentials.js';
import { Opcode, Status } from './protocol.js';
import type { BinaryRequest, BinarySession } from './session.js';

/** memcached's MAX_SASL_MECH_LEN. */
const MAX_SASL_MECH_LEN = 32;
/** The one mechanism offered: PLAIN, checked against the configured credentials. */
const MECHANISMS = 'PLAIN';

/** SASL_LIST_MECHS: "Unknown command" when SASL is off, as memcached without -S. */
export function listMechanisms(session: BinarySession, request: BinaryRequest): void {
  if (session.conn.server.settings.sasl === undefined) {
    const { bodyLength, keyLength } = request.header;
    session.error(request, Status.UNKNOWN_COMMAND, undefined, bodyLength - keyLength);
    return;
  }
  session.respond(request, { value: MECHANISMS });
}

/** SASL PLAIN's message: `[authzid] NUL authcid NUL passwd`. */
function plainCredentials(data: Buffer): { user: Buffer; pass: Buffer } | undefined {
  const first = data.indexOf(0);
  if (first < 0) return undefined;
  const second = data.indexOf(0, first + 1);
  if (second < 0) return undefined;
  return { user: data.subarray(first + 1, second), pass: data.subarray(second + 1) };
}

/**
 * SASL_AUTH / SASL_STEP (memcached's process_bin_sasl_auth and its completion): the key is
 * the mechanism, the body its data. PLAIN finishes in one step, so a SASL_STEP always fails.
 */
export function saslAuth(session: BinarySession, request: BinaryRequest): void {
  const server = session.conn.server;
  const accepted = server.settings.sasl;
  const { bodyLength, keyLength } = request.header;
  const vlen = bodyLength - keyLength;
  if (accepted === undefined) {
    session.error(request, Status.UNKNOWN_COMMAND, undefined, vlen);
    return;
  }
  if (keyLength > MAX_SASL_MECH_LEN) {
    session.error(request, Status.EINVAL, undefined, vlen);
    return;
  }
  if (!server.store.fits(keyLength, 0, vlen)) {
    session.error(request, Status.ENOMEM, undefined, vlen);
    return;
  }
  session.readValue(vlen, (data) => {
    let ok = false;
    if (request.command === Opcode.SASL_AUTH) {
      const plain = request.key === 'PLAIN' ? plainCredentials(data) : undefined;
      ok = plain !== undefined && checkCredentials(accepted, plain.user, plain.pass);
      session.saslStarted = ok;
    }
    const stats = server.stats;
    stats.authCmds++;
    if (ok) {
      session.authenticated = true;
      session.respond(request, { value: 'Authenticated' });
    } else {
      stats.authErrors++;
      session.error(request, Status.AUTH_ERROR);
    }
  });
}
