/** A namespace version is the decimal counter `bumpVersion` keeps; anything else is not one. */
export function parseVersion(value: Buffer | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.toString('latin1').trim();
  return /^\d{1,16}$/.test(text) ? Number(text) : undefined;
}
