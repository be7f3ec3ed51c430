// Project Wycheproof's AES-CBC-PKCS5 vectors (tests/data/, with their licence), AES-256 group,
// through the package and through node:crypto: the same plaintext where both accept, a refusal
// with the right code where Node refuses. The core runs them natively too (tests/vectors.rs).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as ref from './reference.mjs';
import { lib, throwsCode } from './package-under-test.mjs';

describe(`Wycheproof AES-CBC-PKCS5, AES-256`, () => {
  const suite = JSON.parse(readFileSync(new URL('../data/wycheproof_aes_cbc_pkcs5_test.json', import.meta.url), 'utf8'));
  const cases = suite.testGroups.filter((group) => group.keySize === 256).flatMap((group) => group.tests);

  it('has 72 cases; valid ones decrypt as Node does, invalid ones are refused', () => {
    assert.equal(cases.length, 72);
    for (const test of cases) {
      const input = test.iv + test.ct;
      const expected = ref.outcome(() => ref.decryptData(input, test.key));
      if (test.result === 'valid') {
        assert.equal(lib.decryptData(input, test.key), Buffer.from(test.msg, 'hex').toString('utf8'), `tcId ${test.tcId}`);
        assert.equal(lib.decryptData(input, test.key), expected.value);
      } else {
        assert.ok(expected.thrown, `Node refuses tcId ${test.tcId}`);
        throwsCode(() => lib.decryptData(input, test.key), test.ct === '' ? 'INVALID_CIPHERTEXT' : 'DECRYPT_FAILED');
      }
    }
  });
});
