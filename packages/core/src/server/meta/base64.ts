// memcached's base64 (base64.c): the decoder skips bytes outside the alphabet, needs a
// non-zero multiple of four alphabet bytes, and stops after the first padded block. Node's
// Buffer decoder is more forgiving, so keys are decoded here to refuse what memcached refuses.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const INVALID = 0x80;
const TABLE = new Uint8Array(256).fill(INVALID);
for (let i = 0; i < ALPHABET.length; i++) TABLE[ALPHABET.charCodeAt(i)] = i;
TABLE[61 /* = */] = 0;

/**
 * Decodes a base64 key given as a latin1 string into the latin1 string of its bytes, or
 * `undefined` where memcached's decoder fails (it then answers an error).
 */
export function decodeBase64Key(src: string): string | undefined {
  let count = 0;
  for (let i = 0; i < src.length; i++) {
    if (TABLE[src.charCodeAt(i) & 0xff] !== INVALID) count++;
  }
  if (count === 0 || count % 4 !== 0) return undefined;
  const out: number[] = [];
  const block = [0, 0, 0, 0];
  let n = 0;
  let pad = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src.charCodeAt(i) & 0xff;
    const v = TABLE[c] as number;
    if (v === INVALID) continue;
    if (c === 61) pad++;
    block[n++] = v;
    if (n === 4) {
      const [b0, b1, b2, b3] = block as [number, number, number, number];
      out.push(
        ((b0 << 2) | (b1 >> 4)) & 0xff,
        ((b1 << 4) | (b2 >> 2)) & 0xff,
        ((b2 << 6) | b3) & 0xff,
      );
      n = 0;
      if (pad > 0) {
        if (pad > 2) return undefined;
        out.length -= pad;
        break;
      }
    }
  }
  if (out.length === 0) return undefined;
  return String.fromCharCode(...out);
}

/** Encodes key bytes (a latin1 string) as padded standard base64, as memcached returns them. */
export function encodeBase64Key(key: string): string {
  return Buffer.from(key, 'latin1').toString('base64');
}
