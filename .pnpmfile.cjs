// pnpm hooks. beforePacking runs on `pnpm pack` and `pnpm publish` (pnpm 10.28+): the
// "@memkit/source" export condition points tests and the type checker at ./src, which is not
// in a tarball, so the published package.json never carries it.

function stripSourceCondition(target) {
  if (target === null || typeof target !== 'object') return target;
  const out = {};
  for (const [key, value] of Object.entries(target)) {
    if (key === '@memkit/source') continue;
    out[key] = stripSourceCondition(value);
  }
  return out;
}

module.exports = {
  hooks: {
    beforePacking(pkg) {
      if (pkg.exports) pkg.exports = stripSourceCondition(pkg.exports);
      return pkg;
    },
  },
};
