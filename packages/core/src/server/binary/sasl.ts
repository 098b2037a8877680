import { checkCredentials } from '../auth/credentials.js';
import { Opcode, Status } from './protocol.js';
import type { BinaryRequest, BinarySession } from './session.js';

/** memcached's MAX_SASL_MECH_LEN. */
const MAX_SASL_MECH_LEN = 32;
/** The one mechanism offered: PLAIN, checked against the configured credentials. */
const MECHANISMS = 'PLAIN';

/**
 * SASL_LIST_MECHS: "Unknown command" when SASL is off, as memcached without -S. With SASL on,
 * memcached's init_sasl_conn runs first, and it clears the connection's authentication.
 */
export function listMechanisms(session: BinarySession, request: BinaryRequest): void {
  if (session.conn.server.settings.sasl === undefined) {
    const { bodyLength, keyLength } = request.header;
    session.error(request, Status.UNKNOWN_COMMAND, undefined, bodyLength - keyLength);
    return;
  }
  session.authenticated = false;
  session.respond(request, { value: MECHANISMS });
}

type SaslResult = 'ok' | 'continue' | 'fail';

/**
 * Whether memcached would pass `key` to Cyrus SASL as PLAIN: it is read as a C string (up to a
 * NUL), compared without case, and a `-PLUS` suffix is accepted (Cyrus's _sasl_is_equal_mech).
 */
function isPlain(key: string): boolean {
  const nul = key.indexOf('\0');
  let mech = (nul < 0 ? key : key.slice(0, nul)).replace(/[a-z]/g, (c) => c.toUpperCase());
  if (mech.length > 5 && mech.endsWith('-PLUS')) mech = mech.slice(0, -5);
  return mech === MECHANISMS;
}

/**
 * Cyrus's PLAIN server step (plugins/plain.c): `[authzid] NUL authcid NUL passwd` and nothing
 * after; an authzid other than the authcid is refused (no proxy authorization is configured).
 */
function plainStep(session: BinarySession, data: Buffer): SaslResult {
  const first = data.indexOf(0);
  if (first < 0) return 'fail';
  const second = data.indexOf(0, first + 1);
  if (second < 0 || data.indexOf(0, second + 1) >= 0) return 'fail';
  const authzid = data.subarray(0, first);
  const user = data.subarray(first + 1, second);
  const pass = data.subarray(second + 1);
  const accepted = session.conn.server.settings.sasl ?? [];
  if (!checkCredentials(accepted, user, pass)) return 'fail';
  return authzid.length === 0 || authzid.equals(user) ? 'ok' : 'fail';
}

/** Cyrus's sasl_server_step: nothing more once an exchange is done; a failure clears `done`. */
function serverStep(session: BinarySession, data: Buffer): SaslResult {
  if (session.saslDone) return 'fail';
  const result = plainStep(session, data);
  session.saslDone = result === 'ok';
  return result;
}

/**
 * Cyrus's sasl_server_start: PLAIN wants the client first, so without data it asks for it
 * (`continue`); with data it steps at once. A failed start clears `done`.
 */
function serverStart(session: BinarySession, mech: string, data: Buffer): SaslResult {
  let result: SaslResult;
  if (!isPlain(mech)) result = 'fail';
  else if (data.length === 0) result = 'continue';
  else result = serverStep(session, data);
  if (result === 'fail') session.saslDone = false;
  return result;
}

/**
 * SASL_AUTH / SASL_STEP (memcached's process_bin_sasl_auth and its completion, on Cyrus SASL
 * with `mech_list: plain`): the key is the mechanism, the body its data. Reading the data first
 * clears the connection's authentication (init_sasl_conn); only an exchange that completes sets
 * it again, so a failed attempt after a success leaves the connection unauthenticated.
 */
export function saslAuth(session: BinarySession, request: BinaryRequest): void {
  const server = session.conn.server;
  const { bodyLength, keyLength } = request.header;
  const vlen = bodyLength - keyLength;
  if (server.settings.sasl === undefined) {
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
    session.authenticated = false;
    let result: SaslResult;
    if (request.command === Opcode.SASL_AUTH) {
      result = serverStart(session, request.key, data);
      session.saslStarted = result !== 'fail';
    } else {
      // memcached never calls Cyrus for a step no SASL_AUTH started.
      result = session.saslStarted ? serverStep(session, data) : 'fail';
    }
    const stats = server.stats;
    if (result === 'ok') {
      stats.authCmds++;
      session.authenticated = true;
      session.respond(request, { value: 'Authenticated' });
    } else if (result === 'continue') {
      // memcached sends the (empty) challenge at once.
      session.send(request, Status.AUTH_CONTINUE, {});
      session.transmit();
    } else {
      stats.authCmds++;
      stats.authErrors++;
      session.error(request, Status.AUTH_ERROR);
    }
  });
}
