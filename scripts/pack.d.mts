/** A packed public package. */
export interface PackedPackage {
  name: string;
  version: string;
  dir: string;
  manifest: Record<string, unknown>;
  /** Path of the .tgz. */
  file: string;
}
export function pnpmCommand(): [string, string[]];
export function packPublicPackages(
  dest: string,
  options?: { log?: (line: string) => void },
): PackedPackage[];
