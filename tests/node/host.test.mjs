// What the JavaScript engine, not the package's WebAssembly, decides: how text is copied into wasm
// memory (Node's `Buffer` from 1024 UTF-16 units on, `encodeInto` otherwise), how decrypted UTF-8
// becomes a string (in pieces, `TextDecoder`) against Node's own decoder, what `String#trim`
// removes, what `JSON.stringify` writes. `make test-node` runs this file on Node 22, 24 and 26; the
// differential, error and key suites run on Node 26 alone.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as ref from './reference.mjs';
import { lib } from './package-under-test.mjs';

const RUNS = Number(process.env.ALLPASS_PROPERTY_RUNS ?? 300);
const key = ref.randomKey();
const payload = { event: 'verification.completed', applicant: { name: 'Zoë', score: 0.97 } };

/** Byte strings built to hit UTF-8 decoding corner cases, not only random noise. */
const utf8Fragment = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 4 }),
  fc.constantFrom(
    [0x41], [0xc3, 0xa9], [0xe2, 0x82, 0xac], [0xf0, 0x9f, 0x98, 0x80], // valid 1-4 bytes
    [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xf0], // truncated
    [0x80], [0xbf], [0xc0, 0x80], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], // stray, overlong, surrogate
    [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xfe], [0xff],
  ),
);
const trickyBytes = fc.array(utf8Fragment, { maxLength: 40 }).map((parts) => Uint8Array.from(parts.flatMap((p) => [...p])));

describe('text into wasm memory: the host\'s encoders', () => {
  it('non-ASCII characters wherever the first, ASCII-sized copy of the text runs out of room', () => {
    // The text is copied into wasm memory assuming one byte a character, then the rest is
    // copied after what fit: every split point, surrogate pairs and lone surrogates included.
    const cipher = new lib.AllpassCipher(key);
    try {
      for (const unit of ['é', '€', '😀', '\ud800', '\udfff', '\ud83d\ude00\ud800']) {
        for (let at = 0; at <= 24; at++) {
          for (const count of [1, 3]) {
            const text = 'a'.repeat(at) + unit.repeat(count) + 'b'.repeat(24 - at);
            const want = Buffer.from(text, 'utf8').toString('utf8');
            assert.equal(ref.decryptData(cipher.encryptText(text), key), want, `${count} × ${JSON.stringify(unit)} at ${at}`);
            assert.equal(ref.decryptData(lib.encryptData(text, key), key), JSON.stringify(text));
          }
        }
      }
    } finally {
      cipher.free();
    }
  });


  it('long text (copied by Node\'s Buffer from 1024 UTF-16 units on) of any code units, both ways', () => {
    // Mostly ASCII with any code units inserted (lone surrogates, pairs cut apart, astral
    // characters), and wholly random units: one-byte and two-byte strings alike.
    const unit = fc.oneof(fc.constantFrom('\ud800', '\udfff', '\ud83d', '\ude00', '😀', 'é', 'Å', '€', '\u0000'), fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }));
    const mostlyAscii = fc.tuple(fc.integer({ min: 1000, max: 5000 }), fc.array(fc.tuple(fc.nat(5000), unit), { maxLength: 12 })).map(([length, inserts]) => {
      let text = 'Document checked; face match 0.98. '.repeat(Math.ceil(length / 35)).slice(0, length);
      for (const [at, inserted] of inserts) text = text.slice(0, at) + inserted + text.slice(at);
      return text;
    });
    const cipher = new lib.AllpassCipher(key);
    try {
      fc.assert(
        fc.property(fc.oneof(mostlyAscii, fc.string({ unit: 'binary', minLength: 1000, maxLength: 3000 })), (text) => {
          assert.equal(ref.decryptData(lib.encryptData(text, key), key), JSON.stringify(text));
          const data = { notes: text };
          assert.equal(ref.decryptData(cipher.encrypt(data), key), JSON.stringify(data));
          const raw = cipher.encryptText(text);
          assert.equal(ref.decryptData(raw, key), ref.decryptData(ref.encryptBytes(Buffer.from(text, 'utf8'), key), key));
          assert.equal(raw.length, 32 + 32 * (Math.floor(Buffer.byteLength(text) / 16) + 1));
        }),
        { numRuns: RUNS },
      );
      // Right at the threshold: 1023, 1024 and 1025 units, a non-ASCII character last.
      for (const length of [1023, 1024, 1025]) {
        for (const last of ['é', '\ud800', '😀'.slice(0, 1), '€']) {
          const text = 'x'.repeat(length - 1) + last;
          assert.equal(ref.decryptData(cipher.encryptText(text), key), Buffer.from(text, 'utf8').toString('utf8'), `${length}`);
        }
      }
    } finally {
      cipher.free();
    }
  });

});

describe('where Node\'s Buffer is missing or is not Node\'s', () => {
  // Long text is copied by the global `Buffer` when it is Node's; otherwise by `encodeInto`.
  // Each case runs in a process of its own (a `Buffer` that throws is not tried again there).
  const text = `${'Document checked; face match 0.98. '.repeat(60)}Zoë \ud800 😀 ${'x'.repeat(900)}€`;
  const cases = {
    'no Buffer': 'globalThis.Buffer = undefined;',
    'a browser polyfill (no utf8Write)': 'const B = Buffer; globalThis.Buffer = { byteLength: (t) => B.byteLength(t), from: (...a) => new Uint8Array(...a) };',
    'byteLength one short': 'const B = Buffer; globalThis.Buffer = { byteLength: (t) => B.byteLength(t) - 1, prototype: B.prototype };',
    'byteLength one long': 'const B = Buffer; globalThis.Buffer = { byteLength: (t) => B.byteLength(t) + 1, prototype: B.prototype };',
    'byteLength -1': 'const B = Buffer; globalThis.Buffer = { byteLength: () => -1, prototype: B.prototype };',
    'byteLength 2 ** 31': 'const B = Buffer; globalThis.Buffer = { byteLength: () => 2 ** 31, prototype: B.prototype };',
    'utf8Write writing less': 'const B = Buffer; globalThis.Buffer = { byteLength: (t) => B.byteLength(t), prototype: { utf8Write: () => 3 } };',
    'every call throwing': 'globalThis.Buffer = { byteLength() { throw new Error("no"); }, from() { throw new Error("no"); } };',
  };
  it('Node\'s Buffer copies long text only, and once it has thrown, never again', () => {
    // A spy on the two `Buffer` functions, in a process of its own: proof the fast path runs
    // (the results alone would be the same through `encodeInto`).
    const child = `
      const lib = require('node:module').createRequire(${JSON.stringify(join(process.env.ALLPASS_CONSUMER_DIR, 'package.json'))})('./entry.cjs');
      const [key, text] = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
      const calls = { byteLength: 0, utf8Write: 0 };
      const { byteLength } = Buffer;
      const { utf8Write } = Buffer.prototype;
      Buffer.byteLength = function (...args) { calls.byteLength++; return byteLength.apply(this, args); };
      Buffer.prototype.utf8Write = function (...args) { calls.utf8Write++; return utf8Write.apply(this, args); };
      const cipher = new lib.AllpassCipher(key);
      const counts = [];
      const run = (what) => { what(); counts.push({ ...calls }); };
      run(() => cipher.encryptText(text));                  // long text: Buffer
      run(() => cipher.encryptText(text.slice(0, 1023)));   // 1023 units: encodeInto
      run(() => lib.encryptData({ text }, key));            // long JSON: Buffer
      run(() => cipher.decrypt(cipher.encryptText('x')));   // hex: encodeInto
      Buffer.prototype.utf8Write = function () { calls.utf8Write++; throw new Error('broken'); };
      const afterThrow = cipher.encryptText(text);          // throws inside: encodeInto copies
      run(() => cipher.encryptText(text));                  // not tried again
      process.stdout.write(JSON.stringify({ counts, afterThrow }));`;
    const run = spawnSync(process.execPath, ['-e', child], { input: JSON.stringify([key, text]), encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const { counts, afterThrow } = JSON.parse(run.stdout);
    assert.deepEqual(counts, [
      { byteLength: 1, utf8Write: 1 },
      { byteLength: 1, utf8Write: 1 },
      { byteLength: 2, utf8Write: 2 },
      { byteLength: 2, utf8Write: 2 },
      { byteLength: 3, utf8Write: 3 },
    ]);
    assert.equal(ref.decryptData(afterThrow, key), Buffer.from(text, 'utf8').toString('utf8'));
  });

  for (const [name, setup] of Object.entries(cases)) {
    it(`${name}: the same result`, () => {
      const child = `
        const lib = require('node:module').createRequire(${JSON.stringify(join(process.env.ALLPASS_CONSUMER_DIR, 'package.json'))})('./entry.cjs');
        const [key, text] = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
        const realBuffer = Buffer;
        ${setup}
        const cipher = new lib.AllpassCipher(key);
        const out = [cipher.encryptText(text), lib.encryptData(text, key), cipher.encryptText(text)];
        globalThis.Buffer = realBuffer;
        out.push(cipher.encryptText(text));
        process.stdout.write(JSON.stringify(out));`;
      const run = spawnSync(process.execPath, ['-e', child], { input: JSON.stringify([key, text]), encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      const [first, data, again, restored] = JSON.parse(run.stdout);
      const want = Buffer.from(text, 'utf8').toString('utf8');
      for (const raw of [first, again, restored]) assert.equal(ref.decryptData(raw, key), want);
      assert.equal(ref.decryptData(data, key), JSON.stringify(text));
    });
  }
});

describe('text out of wasm memory: the host\'s decoder against Node\'s', () => {
  it('plaintext bytes that are not UTF-8: U+FFFD exactly as Node', () => {
    const bad = ref.encryptBytes(Buffer.from([0x7b, 0xff, 0xe2, 0x82, 0x7d, 0xf0, 0x9f, 0x98]), key);
    assert.equal(lib.decryptData(bad, key), ref.decryptData(bad, key));
    assert.equal(lib.decryptData(bad, key), '{\ufffd\ufffd}\ufffd');
  });


  it('plaintexts that are not UTF-8 decode to the same replacement characters', () => {
    fc.assert(
      fc.property(fc.oneof(trickyBytes, fc.uint8Array({ maxLength: 100 })), (bytes) => {
        const wire = ref.encryptBytes(bytes, key);
        assert.equal(lib.decryptData(wire, key), ref.decryptData(wire, key));
      }),
      { numRuns: RUNS * 5 },
    );
  });


  it('long, mostly ASCII text with a few non-ASCII stretches, anywhere', () => {
    // Anywhere, and near 64-byte boundaries (where a decoder working in chunks would cut).
    const position = fc.oneof(fc.nat(7000), fc.tuple(fc.nat(110), fc.integer({ min: -4, max: 4 })).map(([n, d]) => Math.max(0, 64 * n + d)));
    const cipher = new lib.AllpassCipher(key);
    try {
      fc.assert(
        fc.property(fc.integer({ min: 1000, max: 7000 }), fc.array(fc.tuple(position, utf8Fragment), { maxLength: 24 }), (length, inserts) => {
          const ascii = Buffer.from('{"notes":"Document checked; face match 0.98."} '.repeat(Math.ceil(length / 48)).slice(0, length));
          const parts = [];
          let at = 0;
          for (const [where, fragment] of [...inserts].sort((a, b) => a[0] - b[0])) {
            const cut = Math.min(where, ascii.length);
            parts.push(ascii.subarray(at, cut), Buffer.from(fragment));
            at = cut;
          }
          parts.push(ascii.subarray(at));
          const wire = ref.encryptBytes(Buffer.concat(parts), key);
          const expected = ref.decryptData(wire, key);
          assert.equal(lib.decryptData(wire, key), expected);
          assert.equal(cipher.decrypt(wire), expected);
        }),
        { numRuns: RUNS },
      );
      // Decrypted text is turned into a string in pieces, cut around all-ASCII stretches of
      // 16 or more 64-byte blocks: stretches just under, at and over that length, starting at
      // offsets across a block, between, before and after non-ASCII characters; text and JSON
      // paths alike. (wasm/src/text.rs checks the cuts themselves.)
      for (const stretch of [960, 1023, 1024, 1025, 1087, 1088, 1089, 2113]) {
        for (let lead = 0; lead < 70; lead += 3) {
          const filler = (n) => 'x'.repeat(n);
          const text = `${filler(lead)}é${filler(stretch)}😀${filler(stretch + lead)}€${filler(stretch)}`;
          for (const plain of [text, text.slice(0, -1), `${text}ü`, text.slice(lead + 1)]) {
            const wire = ref.encryptData(plain, key);
            const expected = ref.decryptData(wire, key);
            assert.equal(cipher.decrypt(wire), expected, `stretch ${stretch}, lead ${lead}`);
            assert.equal(lib.decryptData(wire, key), expected);
            assert.equal(cipher.decryptJson(wire), plain);
            const body = JSON.stringify({ status: true, statusCode: 200, data: wire, time: '2026-11-26T00:00:00.000Z' });
            assert.equal(lib.parseWebhook(body, key).data, plain);
          }
        }
      }
      // The JSON path (decryptJson, parseWebhook) goes through the same conversion.
      for (const names of [['Zoë Åström'], ['Nguyễn Văn Thành', 'Łódź', '😀'], Array(40).fill('é')]) {
        const data = { names, notes: 'Document checked; face match 0.98. '.repeat(100) };
        assert.deepEqual(cipher.decryptJson(ref.encryptData(data, key)), data);
      }
    } finally {
      cipher.free();
    }
  });

});

describe('input text and JSON as JavaScript sees them', () => {
  it('ignores exactly what String.prototype.trim removes', () => {
    // Every Unicode White_Space character (what Rust's trim knows) is below U+3001, and the
    // host's trim adds only U+FEFF: every code point up to U+3000, and the rest of the planes'
    // candidates, cover both sets.
    const sealed = ref.encryptData(payload, key);
    const expected = JSON.stringify(payload);
    const codes = [...Array(0x3001).keys(), 0xfeff, 0xfffe, 0xffff, 0x1f600, 0xe0020, 0x10ffff];
    let trimmed = 0;
    for (const code of codes) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const c = String.fromCodePoint(code);
      const hostTrims = `${c}x${c}`.trim() === 'x';
      const outcome = ref.outcome(() => lib.decryptData(`${c}${sealed}${c}`, `${c}${key}${c}`));
      assert.equal(outcome.value === expected, hostTrims, `U+${code.toString(16).padStart(4, '0')}: the host's trim removes it: ${hostTrims}`);
      if (hostTrims) trimmed++;
    }
    assert.equal(trimmed, 25, 'ECMAScript WhiteSpace and LineTerminator code points');
  });


  it('JSON.stringify quirks come out as in Node', () => {
    const quirks = { dropped: undefined, negativeZero: -0, big: 1e21, date: new Date(86_400_000), lone: '\ud83d', list: [undefined, () => 1] };
    assert.equal(ref.decryptData(lib.encryptData(quirks, key), key), JSON.stringify(quirks));
    assert.equal(lib.decryptData(lib.encryptData(quirks, key), key), '{"negativeZero":0,"big":1e+21,"date":"1970-01-02T00:00:00.000Z","lone":"\\ud83d","list":[null,null]}');
  });
});
