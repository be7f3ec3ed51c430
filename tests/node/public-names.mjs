// The package's public names, read from the installed package itself: the WebAssembly build's
// glue's exports (dist/web, which every entry loads) and the JavaScript layer's (lib/index.mjs). The one list that
// tests/node/exports.test.mjs checks `require` and `import` against and tests/runtimes/run.mjs
// checks every runtime against; node.cjs's LIB_EXPORTS is checked against lib/index.mjs there.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** `{ wasm, lib, all }`: sorted names; `packageDir` is node_modules/allpass-crypto. */
export async function publicNames(packageDir) {
  // `default` is the browser's init(); every entry has one, and `export *` never passes it on.
  const glue = await import(pathToFileURL(join(packageDir, 'dist/web/allpass_crypto.js')).href);
  const wasm = Object.keys(glue).filter((name) => name !== 'default').sort();
  const lib = Object.keys(await import(pathToFileURL(join(packageDir, 'lib/index.mjs')).href)).sort();
  return { wasm, lib, all: [...new Set([...wasm, ...lib])].sort() };
}
