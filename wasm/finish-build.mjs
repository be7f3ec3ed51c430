// The last step of `make build`: turns wasm-pack's three outputs into pkg/dist.
//
//   pkg/dist/web   the web build (ES module glue + the module with SIMD)
//   pkg/dist/node  the Node build (CommonJS glue); its module is the web build's copy
//   target/relaxed-web  the web build again with relaxed SIMD (+relaxed-simd)
//
// The relaxed module is the same code with `i8x16.relaxed_swizzle` (one x64 `pshufb`) for the
// AES engine's table lookups, whose indices are all below 16 or at least 128, where it must
// give the same bytes as `i8x16.swizzle` (src/v128.rs). Encryption is 12-20% faster on
// Node 22 and 24 (benches/RESULTS.md). Engines without relaxed SIMD (Node 20, WebKitGTK 2.50,
// Firefox before 146) cannot compile it, so both glues load it only where RELAXED_SIMD holds, and the
// other module everywhere else. Every step checks what it relies on and fails the build if the
// generated code changed shape.
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'pkg/dist');
const relaxed = join(root, 'target/relaxed-web');
const read = (path) => readFileSync(path);

// A 34-byte module that validates only on an engine with relaxed SIMD: one function
// `(v128, v128) -> v128` whose body is `local.get 0; local.get 1; i8x16.relaxed_swizzle`.
// tests/node/relaxed-simd.test.mjs checks that it agrees with validating the relaxed module.
const PROBE = [
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
  ...[0x01, 0x07, 0x01, 0x60, 0x02, 0x7b, 0x7b, 0x01, 0x7b], // type: (v128, v128) -> v128
  ...[0x03, 0x02, 0x01, 0x00], // function 0 has type 0
  ...[0x0a, 0x0b, 0x01, 0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0xfd, 0x80, 0x02, 0x0b], // its code
];
const RELAXED_SIMD = `WebAssembly.validate(new Uint8Array([${PROBE.join(',')}]))`;

/** Replaces the one occurrence of `from` in the file at `path`. */
function patch(path, from, to) {
  const text = readFileSync(path, 'utf8');
  assert.equal(text.split(from).length, 2, `${path}: expected "${from}" once (wasm-bindgen's glue changed?)`);
  writeFileSync(path, text.replace(from, () => to));
}

// The same Rust, the same bindings: the relaxed glue must be the web glue, byte for byte, so
// either module works under it.
assert.deepEqual(read(join(relaxed, 'allpass_crypto.js')), read(join(dist, 'web/allpass_crypto.js')), 'the relaxed build has other bindings');
assert.ok(!read(join(dist, 'web/allpass_crypto_bg.wasm')).equals(read(join(relaxed, 'allpass_crypto_bg.wasm'))), 'the relaxed module is the other one: +relaxed-simd did not reach rustc');
copyFileSync(join(relaxed, 'allpass_crypto_bg.wasm'), join(dist, 'web/allpass_crypto_relaxed_bg.wasm'));

// The Node build loads the web build's copies (they are byte-identical).
assert.deepEqual(read(join(dist, 'node/allpass_crypto_bg.wasm')), read(join(dist, 'web/allpass_crypto_bg.wasm')), 'the Node and web modules differ');
rmSync(join(dist, 'node/allpass_crypto_bg.wasm'));
rmSync(join(dist, 'node/allpass_crypto_bg.wasm.d.ts'));
patch(
  join(dist, 'node/allpass_crypto.js'),
  'const wasmPath = `${__dirname}/allpass_crypto_bg.wasm`;',
  // Two whole paths, not one with a choice inside: file tracers (Vercel's nft, ncc) follow those.
  `const wasmPath = ${RELAXED_SIMD} ? \`\${__dirname}/../web/allpass_crypto_relaxed_bg.wasm\` : \`\${__dirname}/../web/allpass_crypto_bg.wasm\`;`,
);
// `init()` without an argument. Both URLs stay literal `new URL(…, import.meta.url)`, the form
// bundlers (Vite, webpack, Parcel) follow and copy.
patch(
  join(dist, 'web/allpass_crypto.js'),
  "module_or_path = new URL('allpass_crypto_bg.wasm', import.meta.url);",
  `module_or_path = ${RELAXED_SIMD} ? new URL('allpass_crypto_relaxed_bg.wasm', import.meta.url) : new URL('allpass_crypto_bg.wasm', import.meta.url);`,
);

writeFileSync(join(dist, 'web/package.json'), '{ "type": "module" }\n');
writeFileSync(join(dist, 'node/package.json'), '{ "type": "commonjs" }\n');
for (const dir of ['web', 'node']) rmSync(join(dist, dir, '.gitignore'), { force: true });
