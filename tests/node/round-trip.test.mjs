// Good input: webhooks made by this package and by the vendor's node:crypto code open to what was
// sealed, from every form a body arrives in. Through `require` only (`import` gives the same
// functions: exports.test.mjs); decryptData and encryptData against node:crypto on random input
// are in differential.test.mjs, bad input in errors.test.mjs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as ref from './reference.mjs';
import { lib } from './package-under-test.mjs';

const key = ref.randomKey();
const payload = { event: 'verification.completed', applicant: { name: 'Zoë', score: 0.97 } };

describe(`webhooks`, () => {
  it('parseWebhook(createWebhook(x)) round-trips, from a string, bytes or an object', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (data) => {
        const envelope = lib.createWebhook(data, key, { time: '2021-08-20T14:52:33.648Z' });
        assert.deepEqual(Object.keys(envelope), ['status', 'statusCode', 'data', 'time']);
        assert.equal(envelope.status, true);
        assert.equal(envelope.statusCode, 200);
        assert.equal(ref.decryptData(envelope.data, key), JSON.stringify(data));
        const body = JSON.stringify(envelope);
        for (const input of [body, Buffer.from(body), new TextEncoder().encode(body), envelope]) {
          const opened = lib.parseWebhook(input, key);
          assert.deepEqual(Object.keys(opened), ['status', 'statusCode', 'time', 'data', 'keyIndex']);
          assert.equal(opened.keyIndex, 0);
          assert.deepEqual(opened.data, JSON.parse(JSON.stringify(data)));
          assert.equal(opened.time, '2021-08-20T14:52:33.648Z');
        }
      }),
      { numRuns: 200 },
    );
  });

  it('reads a body the vendor would send (node:crypto), time defaulting to now', () => {
    const body = JSON.stringify({ status: true, statusCode: 200, data: ref.encryptData(payload, key), time: new Date().toISOString() });
    assert.deepEqual(lib.parseWebhook(body, key).data, payload);
    const stamped = lib.createWebhook(payload, key);
    assert.ok(Math.abs(Date.parse(stamped.time) - Date.now()) < 60_000);
    assert.equal(lib.createWebhook(payload, key, { time: new Date(0) }).time, '1970-01-01T00:00:00.000Z');
  });
});
