// The behaviour every server must show, over real HTTP on 127.0.0.1. `describeServer(name,
// start)` registers the suite; `start({ config, installed })` starts the server (its POST
// /webhook is the package's handler or middleware, GET /log what its callbacks saw) and returns
// { base, close }. The results go to target/integrations-results/, for the README's table.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  MAX_BODY_BYTES,
  applicantEvent,
  badBodies,
  envelope,
  installPackage,
  post,
  repo,
  request,
  serverConfig,
  signature,
  takeLog,
  testKeys,
} from './harness.mjs';

const results = {};
function recordResult(server, behaviour, passed) {
  (results[server] ??= {})[behaviour] = passed;
  const dir = join(repo, 'target/integrations-results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${server.replace(/[^a-z0-9]+/gi, '-')}.json`), JSON.stringify({ server, results: results[server] }, null, 2));
}

/** `it`, with its outcome recorded under the behaviour's column name. */
function check(server, behaviour, name, fn) {
  it(name, { timeout: 30_000 }, async () => {
    try {
      await fn();
      recordResult(server, behaviour, true);
    } catch (error) {
      recordResult(server, behaviour, false);
      throw error;
    }
  });
}

/**
 * `wholeBodies`: the server reads the whole request before the handler runs (Next.js's Edge
 * runtime under `next start`), so the oversize check sends complete uploads and requires the 413
 * for each, instead of an answer while the upload is still open.
 */
export function describeServer(server, start, { extra, wholeBodies = false } = {}) {
  describe(server, { timeout: 120_000 }, () => {
    const keys = testKeys();
    const config = serverConfig(keys);
    let installed;
    let running;
    let url;
    let base;

    before(async () => {
      installed = await installPackage();
      running = await start({ config, installed });
      base = running.base;
      url = `${base}/webhook`;
    });
    after(async () => {
      await running?.close();
      installed?.remove();
    });

    check(server, 'valid → 200', 'a valid webhook → 200 with an empty body, and onEvent got the decrypted payload', async () => {
      await takeLog(base);
      const payload = applicantEvent({ note: 'Zoë Åström ✓' });
      const sent = envelope(payload, keys.current);
      const response = await post(url, sent);
      assert.equal(response.status, 200);
      assert.equal(response.body.length, 0);
      const log = await takeLog(base);
      assert.deepEqual(log.events, [{ data: payload, keyIndex: 0, time: sent.time }]);
      assert.deepEqual(log.errors, []);
    });

    check(server, 'rotation', 'key rotation: the previous key → 200 with keyIndex 1; a third key → 400', async () => {
      await takeLog(base);
      const payload = applicantEvent();
      assert.equal((await post(url, envelope(payload, keys.previous))).status, 200);
      assert.equal((await post(url, envelope(applicantEvent(), keys.stranger))).status, 400);
      const log = await takeLog(base);
      assert.deepEqual(log.events.map((event) => [event.data.id, event.keyIndex]), [[payload.id, 1]]);
      assert.deepEqual(log.errors.map((error) => error.code), ['DECRYPT_FAILED']);
    });

    check(server, 'uniform 400', 'every failure to read, parse or decrypt → the same 400, byte for byte; the cause goes to onError', async () => {
      await takeLog(base);
      const seen = [];
      for (const [cause, body, code] of badBodies(keys)) {
        const response = await post(url, body);
        seen.push([cause, signature(response)]);
        const log = await takeLog(base);
        assert.deepEqual(log.events, [], cause);
        assert.equal(log.errors.length, 1, `onError called once for "${cause}"`);
        const [error] = log.errors;
        assert.equal(error.name, 'AllpassCryptoError', cause);
        assert.equal(error.status, 400, cause);
        if (code !== null) assert.equal(error.code, code, cause);
      }
      const [[firstCause, first]] = seen;
      assert.equal(first.status, 400);
      assert.equal(first.body, '', 'the 400 has an empty body');
      for (const [cause, sig] of seen) assert.deepEqual(sig, first, `the 400 for "${cause}" differs from the one for "${firstCause}"`);
    });

    check(server, 'wrong method → 405', 'GET and PUT → 405 with Allow: POST', async () => {
      for (const method of ['GET', 'PUT']) {
        const response = await request(url, { method, ...(method === 'PUT' ? { body: '{}' } : {}) });
        assert.equal(response.status, 405, method);
        assert.equal(response.headers.allow, 'POST', method);
      }
    });

    check(server, 'oversize → 413', `a body over maxBodyBytes → 413, declared or chunked, ${wholeBodies ? 'each upload complete (the server reads it all first)' : 'answered while the upload is still open'}`, async () => {
      await takeLog(base);
      if (wholeBodies) {
        const body = Buffer.alloc(MAX_BODY_BYTES + 1, 0x20);
        assert.equal((await request(url, { headers: { 'content-type': 'application/json' }, body })).status, 413, 'declared');
        assert.equal((await request(url, { headers: { 'content-type': 'application/json' }, chunks: [body.subarray(0, 1024), body.subarray(1024)] })).status, 413, 'chunked');
        const { errors, events } = await takeLog(base);
        assert.deepEqual(events, []);
        assert.deepEqual(errors.map((error) => [error.status, error.code, error.reason]), [[413, 'INVALID_ARGUMENT', 'TOO_LONG'], [413, 'INVALID_ARGUMENT', 'TOO_LONG']]);
        return;
      }
      // Declared too long: answered from the header, before any of the body is sent.
      const declared = await request(url, { headers: { 'content-type': 'application/json', 'content-length': String(MAX_BODY_BYTES + 1) }, endless: true });
      assert.equal(declared.status, 413);
      // Chunked, no length: more than the limit is sent and the upload is never finished, so
      // an answer proves the server stopped reading.
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      const chunks = Array.from({ length: MAX_BODY_BYTES / chunk.length + 2 }, () => chunk);
      const chunked = await request(url, { headers: { 'content-type': 'application/json' }, chunks, endless: true });
      assert.equal(chunked.status, 413);
      // onError heard of each (unless the framework's own limit answered first, as Fastify's does).
      const { errors, events } = await takeLog(base);
      assert.deepEqual(events, []);
      for (const error of errors) assert.deepEqual([error.status, error.code, error.reason], [413, 'INVALID_ARGUMENT', 'TOO_LONG']);
      if (server !== 'Fastify 5') assert.equal(errors.length, 2);
    });

    check(server, 'limit is inclusive', 'a valid webhook of exactly maxBodyBytes → 200', async () => {
      await takeLog(base);
      const payload = applicantEvent();
      const json = JSON.stringify(envelope(payload, keys.current));
      const body = json + ' '.repeat(MAX_BODY_BYTES - Buffer.byteLength(json));
      assert.equal(Buffer.byteLength(body), MAX_BODY_BYTES);
      const response = await post(url, body);
      assert.equal(response.status, 200);
      assert.deepEqual((await takeLog(base)).events.map((event) => event.data.id), [payload.id]);
    });

    check(server, 'onEvent throws → 500', 'onEvent rejecting → 500 with an empty body, the error to onError', async () => {
      await takeLog(base);
      const response = await post(url, envelope(applicantEvent({ fail: true }), keys.current));
      assert.equal(response.status, 500);
      assert.equal(response.body.length, 0);
      const log = await takeLog(base);
      assert.deepEqual(log.events, []);
      assert.deepEqual(log.errors.map((error) => error.status), [500]);
    });

    check(server, 'stale → 200, no onEvent', 'an event older than the last processed for its applicant → 200, onStale, not onEvent', async () => {
      await takeLog(base);
      const id = applicantEvent().id;
      const newer = applicantEvent({ id, stepName: 'newer' });
      const older = applicantEvent({ id, stepName: 'older' });
      const other = applicantEvent({ stepName: 'another applicant, older still' });
      const hourAgo = Math.floor(Date.now() / 1000) * 1000 - 3_600_000; // once: a second may turn during the test
      const at = (seconds) => new Date(hourAgo + seconds * 1000).toISOString();
      assert.equal((await post(url, envelope(newer, keys.current, at(2)))).status, 200);
      assert.equal((await post(url, envelope(older, keys.current, at(1)))).status, 200);
      assert.equal((await post(url, envelope(other, keys.current, at(0)))).status, 200);
      const log = await takeLog(base);
      assert.deepEqual(log.events.map((event) => event.data.stepName), ['newer', other.stepName]);
      assert.deepEqual(log.stale.map((event) => [event.data.stepName, event.last]), [['older', at(2)]]);
    });

    check(server, 'captured body → nothing handled', 'a captured body replayed, with a new time, or with IV bits flipped → no onEvent: 200 duplicate, the same 400 as any failure', async () => {
      await takeLog(base);
      const payload = applicantEvent();
      const genuine = envelope(payload, keys.current, new Date(Date.now() - 60_000).toISOString());
      assert.equal((await post(url, genuine)).status, 200);
      const reference = signature(await post(url, envelope(applicantEvent(), keys.stranger)));
      // Replayed as it is, and with a time a minute ahead: the payload was handled, so a duplicate.
      assert.equal((await post(url, genuine)).status, 200);
      assert.equal((await post(url, { ...genuine, time: new Date(Date.now() + 60_000).toISOString() })).status, 200);
      // A time far ahead would silence the applicant: refused, like a forgery of the IV.
      const forged = [{ ...genuine, time: '2999-01-01T00:00:00.000Z' }];
      for (const flip of [1, 0x20, 0x80]) {
        const iv = Buffer.from(genuine.data.slice(0, 32), 'hex');
        iv[7] ^= flip;
        forged.push({ ...genuine, data: iv.toString('hex') + genuine.data.slice(32) });
      }
      for (const body of forged) assert.deepEqual(signature(await post(url, body)), reference);
      const log = await takeLog(base);
      assert.deepEqual(log.events.map((event) => event.data), [payload]);
      assert.equal(log.duplicates.length, 2);
      assert.deepEqual(log.errors.map((error) => [error.code, error.reason]), [['DECRYPT_FAILED', null], ['INVALID_ENVELOPE', 'FUTURE_TIME'], ['TAMPERED', null], ['TAMPERED', null], ['TAMPERED', null]]);
    });

    if (extra) extra(() => ({ base, url, keys, installed }));
  });
}
