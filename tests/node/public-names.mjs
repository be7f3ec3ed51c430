// The package's public names, read from the installed package itself: the WebAssembly build's
// exports (dist/node) and the JavaScript layer's (lib/index.mjs). The one list that
// tests/node/exports.test.mjs checks `require` and `import` against and tests/runtimes/run.mjs
// checks every runtime against; node.cjs's LIB_EXPORTS is checked against lib/index.mjs there.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** `{ wasm, lib, all }`: sorted names; `packageDir` is node_modules/allpass-crypto. */
export async function publicNames(packageDir) {
  const wasm = Object.keys(createRequire(import.meta.url)(join(packageDir, 'dist/node/allpass_crypto.js'))).sort();
  const lib = Object.keys(await import(pathToFileURL(join(packageDir, 'lib/index.mjs')).href)).sort();
  return { wasm, lib, all: [...new Set([...wasm, ...lib])].sort() };
}
