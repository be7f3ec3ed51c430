// The two modules: the package ships its WebAssembly twice, with relaxed SIMD (the AES engine's
// lookups as `i8x16.relaxed_swizzle`) and without, and both glues load the first only where a
// 34-byte probe module validates (wasm/finish-build.mjs). On Node 22 and 24 every other suite
// here runs the relaxed module, on Node 20 the other one; this file checks the choice itself,
// and runs the module a runtime did not choose, in a child process, against node:crypto.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import * as ref from './reference.mjs';

const installed = join(process.env.ALLPASS_CONSUMER_DIR, 'node_modules/allpass-crypto');
const glue = (build) => readFileSync(join(installed, 'dist', build, 'allpass_crypto.js'), 'utf8');
const moduleBytes = (name) => readFileSync(join(installed, 'dist/web', name));
const nodeMajor = Number(process.versions.node.split('.')[0]);

/** The probe's bytes, as the glue of `build` carries them. */
function probeOf(build) {
  const found = glue(build).match(/WebAssembly\.validate\(new Uint8Array\(\[([\d,]+)\]\)\)/);
  assert.ok(found, `the ${build} glue has no probe`);
  return new Uint8Array(found[1].split(',').map(Number));
}

/** Runs `body` in a fresh Node process with the package loaded by `require` after `setup`. */
function child(setup, body, input) {
  const script = `
    const fs = require('node:fs');
    const loaded = [];
    const { readFileSync } = fs;
    fs.readFileSync = function (path, ...rest) {
      if (String(path).endsWith('.wasm')) loaded.push(require('node:path').basename(String(path)));
      return readFileSync.call(this, path, ...rest);
    };
    ${setup}
    const lib = require('node:module').createRequire(${JSON.stringify(join(process.env.ALLPASS_CONSUMER_DIR, 'package.json'))})('./entry.cjs');
    const input = JSON.parse(readFileSync(0, 'utf8'));
    const result = (() => { ${body} })();
    process.stdout.write(JSON.stringify({ loaded, result }));`;
  const run = spawnSync(process.execPath, ['-e', script], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

describe('relaxed SIMD: which module loads', () => {
  const probe = probeOf('node');

  it('both glues carry the same probe, and it is a well-formed module', () => {
    assert.deepEqual(probeOf('web'), probe);
    // The same module with `i8x16.swizzle` (0xfd 0x0e) and a `nop` in place of
    // `i8x16.relaxed_swizzle` (0xfd 0x80 0x02): valid everywhere, so the probe fails only for
    // want of relaxed SIMD.
    const at = probe.findIndex((byte, n) => byte === 0xfd && probe[n + 1] === 0x80 && probe[n + 2] === 0x02);
    assert.ok(at > 0, 'the probe has no i8x16.relaxed_swizzle');
    const control = probe.slice();
    control.set([0xfd, 0x0e, 0x01], at);
    assert.equal(WebAssembly.validate(control), true);
  });

  it('the probe validates exactly where the relaxed module does (and Node 22+ has relaxed SIMD)', () => {
    assert.equal(WebAssembly.validate(moduleBytes('allpass_crypto_bg.wasm')), true);
    assert.equal(WebAssembly.validate(probe), WebAssembly.validate(moduleBytes('allpass_crypto_relaxed_bg.wasm')));
    if (nodeMajor >= 22) assert.equal(WebAssembly.validate(probe), true);
  });

  it('the two modules are the same library: the same imports and exports', { skip: !WebAssembly.validate(probe) && 'no relaxed SIMD on this Node' }, () => {
    const [plain, relaxed] = ['allpass_crypto_bg.wasm', 'allpass_crypto_relaxed_bg.wasm'].map((name) => new WebAssembly.Module(moduleBytes(name)));
    assert.deepEqual(WebAssembly.Module.imports(relaxed), WebAssembly.Module.imports(plain));
    assert.deepEqual(WebAssembly.Module.exports(relaxed), WebAssembly.Module.exports(plain));
    assert.ok(WebAssembly.Module.exports(plain).length > 20);
    assert.notDeepEqual(moduleBytes('allpass_crypto_relaxed_bg.wasm'), moduleBytes('allpass_crypto_bg.wasm'));
  });

  it('require loads the relaxed module where the probe validates, and only then', () => {
    const { loaded } = child('', 'return lib.generateKey().length;', null);
    assert.deepEqual(loaded, [WebAssembly.validate(probe) ? 'allpass_crypto_relaxed_bg.wasm' : 'allpass_crypto_bg.wasm']);
    const forced = child('WebAssembly.validate = () => false;', 'return 0;', null);
    assert.deepEqual(forced.loaded, ['allpass_crypto_bg.wasm']);
  });
});

describe('relaxed SIMD: the module this Node did not choose gives node:crypto\'s bytes', () => {
  // Where the probe fails (Node 20), the module without relaxed SIMD is the one every other
  // suite runs, and the relaxed one cannot be compiled at all. (Only encryption uses the
  // relaxed lookups; decryption runs the bitsliced engine, the same in both.)
  it('encryption and decryption, random texts of 0-5000 UTF-16 units', { skip: !WebAssembly.validate(probeOf('node')) && 'no relaxed SIMD on this Node' }, () => {
    const key = randomBytes(32).toString('hex');
    const texts = fc.sample(fc.string({ unit: 'binary', maxLength: 5000 }), 200);
    const sealed = texts.map((text) => ref.encryptData(text, key));
    const { loaded, result } = child(
      'WebAssembly.validate = () => false;',
      `const [key, texts, sealed] = input;
       const cipher = new lib.AllpassCipher(key);
       return { encrypted: texts.map((t) => cipher.encryptText(t)), decrypted: sealed.map((s) => cipher.decrypt(s)) };`,
      [key, texts, sealed],
    );
    assert.deepEqual(loaded, ['allpass_crypto_bg.wasm']);
    result.encrypted.forEach((raw, n) => assert.equal(ref.decryptData(raw, key), Buffer.from(texts[n], 'utf8').toString('utf8')));
    assert.deepEqual(result.decrypted, sealed.map((s) => ref.decryptData(s, key)));
  });
});
