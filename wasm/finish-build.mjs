// The last step of `make build`: turns wasm-pack's web build (pkg/dist/web: the ES module glue
// and the one .wasm, with SIMD) into what every entry of the package loads:
//
//   web.mjs       `init()` fetches the .wasm from beside the glue (`new URL(…, import.meta.url)`)
//   node-wasm.mjs imports its bytes from dist/node/allpass_crypto_bg.mjs (the same file as
//                 base64 in a JavaScript module, written here) and calls `initSync` (node.mjs
//                 imports it, node.cjs requires it: one instance for both). An import, not a
//                 file read: every bundler and file tracer follows it, where `new URL(…,
//                 import.meta.url)` read with `fs` broke in Turbopack's server-rendering layer
//                 (it points that URL at the browser's copy).
//   workerd.mjs, edge-light.mjs  import it as a compiled WebAssembly.Module
//
// Each step checks what the entries rely on and fails the build if the generated code changed shape.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const web = join(root, 'pkg/dist/web');
const glue = readFileSync(join(web, 'allpass_crypto.js'), 'utf8');

// The Node entries call `initSync` at import, so `init()` and `initSync()` afterwards must be
// no-ops that return the instance: both glue functions start with this early return.
assert.equal(glue.split('if (wasm !== undefined) return wasm;').length, 3, "wasm-bindgen's init functions no longer return early once loaded");
assert.ok(glue.includes("new URL('allpass_crypto_bg.wasm', import.meta.url)"), "wasm-bindgen's init() no longer finds the .wasm by new URL(…, import.meta.url)");
assert.ok(glue.includes('export { initSync, __wbg_init as default };'), "wasm-bindgen's glue no longer exports initSync and the default init");

const bytes = readFileSync(join(web, 'allpass_crypto_bg.wasm'));
mkdirSync(join(root, 'pkg/dist/node'), { recursive: true });
writeFileSync(
  join(root, 'pkg/dist/node/allpass_crypto_bg.mjs'),
  `// ../web/allpass_crypto_bg.wasm as base64, written by wasm/finish-build.mjs: what Node's entries load.\nexport default '${bytes.toString('base64')}';\n`,
);
const { default: inlined } = await import(join(root, 'pkg/dist/node/allpass_crypto_bg.mjs'));
assert.ok(Buffer.from(inlined, 'base64').equals(bytes), 'the inlined module differs from the .wasm');

// node.cjs's types: the same declarations, as a CommonJS file (node.d.cts re-exports them).
copyFileSync(join(web, 'allpass_crypto.d.ts'), join(web, 'allpass_crypto.d.cts'));
writeFileSync(join(web, 'package.json'), '{ "type": "module" }\n');
rmSync(join(web, '.gitignore'), { force: true });
