// The package is bundled into the server build too (not left to Node), as a bundler must.
export default {
  esbuild: { jsx: 'automatic' },
  build: { target: 'es2022' },
  ssr: { noExternal: ['allpass-crypto'] },
  logLevel: 'error',
};
