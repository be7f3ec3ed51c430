// The test's own settings only: where to build (one install, two builds: Turbopack and webpack)
// and the folder the dependencies are found from. Nothing for allpass-crypto: no
// serverExternalPackages, no webpack rule.
const root = process.env.ALLPASS_NEXT_ROOT;

export default {
  distDir: process.env.ALLPASS_NEXT_DIST ?? '.next',
  ...(root ? { turbopack: { root }, outputFileTracingRoot: root } : {}),
};
