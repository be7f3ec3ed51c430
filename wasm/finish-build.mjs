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
//   allpass_crypto_bg.wasm and the glue: the imports wasm-bindgen names `<name>_<16 hex digits>`
//                 renamed `<name>` in both: 40 random strings that gzip cannot shrink (about 700
//                 bytes of the gzipped module: benches/RESULTS.md, "Module size")
//
// Each step checks what the entries rely on and fails the build if the generated code changed shape.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const web = join(root, 'pkg/dist/web');
let glue = readFileSync(join(web, 'allpass_crypto.js'), 'utf8');

// The Node entries call `initSync` at import, so `init()` and `initSync()` afterwards must be
// no-ops that return the instance: both glue functions start with this early return.
assert.equal(glue.split('if (wasm !== undefined) return wasm;').length, 3, "wasm-bindgen's init functions no longer return early once loaded");
assert.ok(glue.includes("new URL('allpass_crypto_bg.wasm', import.meta.url)"), "wasm-bindgen's init() no longer finds the .wasm by new URL(…, import.meta.url)");
assert.ok(glue.includes('export { initSync, __wbg_init as default };'), "wasm-bindgen's glue no longer exports initSync and the default init");

/** A module's import section with each field name replaced by `rename(name)`; the rest as it was. */
function renameImports(module, rename) {
  let at = 8;
  const uint = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = module[at++];
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  const leb = (value) => {
    const out = [];
    do {
      const low = value % 128;
      value = Math.floor(value / 128);
      out.push(value > 0 ? low | 0x80 : low);
    } while (value > 0);
    return Buffer.from(out);
  };
  const name = () => {
    const length = uint();
    at += length;
    return module.subarray(at - length, at).toString('utf8');
  };
  const limits = () => {
    const flags = uint();
    uint();
    if (flags & 1) uint();
  };
  const parts = [module.subarray(0, 8)];
  while (at < module.length) {
    const id = module[at++];
    const size = uint();
    const end = at + size;
    if (id !== 2) {
      parts.push(module.subarray(at - 1 - leb(size).length, end));
      at = end;
      continue;
    }
    const entries = [leb(uint())];
    while (at < end) {
      const field = [name(), name()];
      const from = at;
      const kind = module[at++];
      if (kind === 0) uint();
      else if (kind === 1) (at++, limits());
      else if (kind === 2) limits();
      else if (kind === 3) at += 2;
      else assert.fail(`import of unknown kind ${kind}`);
      for (const text of [field[0], rename(field[1])]) entries.push(leb(Buffer.byteLength(text)), Buffer.from(text));
      entries.push(module.subarray(from, at));
    }
    const body = Buffer.concat(entries);
    parts.push(Buffer.from([2]), leb(body.length), body);
  }
  return Buffer.concat(parts);
}

const renamed = new Map();
const taken = new Set();
const original = readFileSync(join(web, 'allpass_crypto_bg.wasm'));
// wasm-pack's own module, before the renaming: .ci/standalone checks a plain `wasm-pack build wasm/` makes it.
mkdirSync(join(root, 'target/wasm-pack'), { recursive: true });
writeFileSync(join(root, 'target/wasm-pack/allpass_crypto_bg.wasm'), original);
const bytes = renameImports(original, (name) => {
  const short = /^(__wbg_.+)_[0-9a-f]{16}$/.exec(name)?.[1];
  if (!short) return name;
  let unique = short;
  for (let n = 2; taken.has(unique); n++) unique = `${short}_${n}`;
  taken.add(unique);
  renamed.set(name, unique);
  return unique;
});
assert.ok(renamed.size > 0, 'wasm-bindgen no longer names its imports `<name>_<hash>`');
for (const [name, short] of renamed) {
  assert.equal(glue.split(`${name}:`).length, 2, `the glue does not define the import ${name} once`);
  glue = glue.replace(`${name}:`, `${short}:`);
}
assert.ok(WebAssembly.validate(bytes), 'the module with its imports renamed does not validate');
writeFileSync(join(web, 'allpass_crypto_bg.wasm'), bytes);
writeFileSync(join(web, 'allpass_crypto.js'), glue);
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
