// The ordering helper (isStale, createOrder, processInOrder, memoryLastSeen) and key rotation
// through the handler, property-tested with fast-check. In process: no server needed here.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { applicantEvent, envelope, installPackage, ref, testKeys } from './harness.mjs';

let installed;
let pkg;
before(async () => {
  installed = await installPackage();
  pkg = installed.pkg;
});
after(() => installed?.remove());

/** A promise and the function that resolves it. */
function deferred() {
  let resolve;
  const promise = new Promise((done) => (resolve = done));
  return { promise, resolve };
}
/** Lets every pending callback and I/O run (no timing is asserted). */
const settle = async () => {
  for (let i = 0; i < 20; i += 1) await new Promise((done) => setImmediate(done));
};
const at = (seconds) => new Date(Date.UTC(2030, 0, 1, 0, 0, seconds)).toISOString();
const event = (id, time, extra = {}) => ({ status: true, statusCode: 200, time, data: { id, ...extra }, keyIndex: 0 });

describe('isStale, the rule alone', () => {
  it('older is stale; equal, newer and "nothing seen yet" are not', () => {
    assert.equal(pkg.isStale(at(1), at(2)), true);
    assert.equal(pkg.isStale(at(2), at(2)), false);
    assert.equal(pkg.isStale(at(3), at(2)), false);
    assert.equal(pkg.isStale(at(3), undefined), false);
    assert.equal(pkg.isStale(at(3), null), false);
    assert.equal(pkg.isStale(new Date(at(1)), Date.parse(at(2))), true, 'Date and milliseconds too');
  });
  it('a time that is not a date throws, never counts as new', () => {
    assert.throws(() => pkg.isStale('yesterday', at(1)), TypeError);
    assert.throws(() => pkg.isStale(at(1), 'garbage'), TypeError);
    assert.throws(() => pkg.isStale(undefined, at(1)), TypeError);
  });
  it('agrees with comparing the instants, for any two times (fast-check)', () => {
    const instant = fc.integer({ min: 0, max: 4102444800000 });
    fc.assert(
      fc.property(instant, instant, (a, b) => pkg.isStale(new Date(a).toISOString(), new Date(b).toISOString()) === a < b),
      { numRuns: 500 },
    );
  });
});

describe('orderKey', () => {
  it('the applicant is the payload id, the time the envelope time unless timeOf says otherwise', () => {
    assert.deepEqual(pkg.orderKey(event('a', at(1))), { applicantId: 'a', time: at(1) });
    assert.deepEqual(pkg.orderKey(event('a', at(1), { at: at(5) }), (e) => e.data.at), { applicantId: 'a', time: at(5) });
    assert.equal(pkg.orderKey({ ...event('a', at(1)), data: { noId: true } }), null, 'no id: not ordered');
    assert.equal(pkg.orderKey({ ...event('a', at(1)), data: 'text' }), null);
    assert.throws(() => pkg.orderKey(event('a', 'not a time')), TypeError);
  });
});

describe('createOrder / processInOrder', () => {
  it('records a time only after handle succeeded: a failed event is not stale on retry', async () => {
    const store = pkg.memoryLastSeen();
    const order = pkg.createOrder({ lastSeen: store });
    await assert.rejects(order.run(event('a', at(2)), () => Promise.reject(new Error('down'))), /down/);
    assert.equal(store.get('a'), undefined);
    let handled = 0;
    assert.equal(await order.run(event('a', at(1)), () => void (handled += 1)), 'handled');
    assert.equal(await order.run(event('a', at(2)), () => void (handled += 1)), 'handled', 'the retry of the failed event');
    assert.equal(handled, 2);
    assert.equal(store.get('a'), at(2));
  });

  it('stale: onStale gets the event and the last time, handle is not called', async () => {
    const stale = [];
    const store = pkg.memoryLastSeen();
    const options = { lastSeen: store, onStale: (e, last) => stale.push([e.data.id, last]) };
    assert.equal(await pkg.processInOrder(event('a', at(5)), options, () => {}), 'handled');
    assert.equal(await pkg.processInOrder(event('a', at(4)), options, () => assert.fail('stale event handled')), 'stale');
    assert.equal(await pkg.processInOrder(event('b', at(4)), options, () => {}), 'handled', 'another applicant');
    assert.equal(await pkg.processInOrder(event('c', at(1), { noId: true }), { lastSeen: store }, () => {}), 'handled');
    assert.equal(await pkg.processInOrder({ ...event('x', at(1)), data: {} }, options, () => {}), 'unordered');
    assert.deepEqual(stale, [['a', at(5)]]);
  });

  it('two deliveries at once for one applicant, one handler: handled one at a time, the older then stale', async () => {
    const order = pkg.createOrder({ lastSeen: pkg.memoryLastSeen() });
    const gate = deferred();
    let running = 0;
    let overlapped = false;
    const handled = [];
    const handle = (name) => async () => {
      running += 1;
      if (running > 1) overlapped = true;
      if (name === 'newer') await gate.promise;
      handled.push(name);
      running -= 1;
    };
    const first = order.run(event('a', at(2)), handle('newer'));
    const second = order.run(event('a', at(1)), handle('older'));
    await settle();
    assert.deepEqual(handled, [], 'the newer one waits at the gate, the older one waits behind it');
    gate.resolve();
    assert.deepEqual(await Promise.all([first, second]), ['handled', 'stale']);
    assert.equal(overlapped, false);
    assert.deepEqual(handled, ['newer']);
  });

  it('two processes (two handlers) sharing a store: with compareAndSet the recorded time never goes back', async () => {
    for (const withCas of [true, false]) {
      const memory = pkg.memoryLastSeen();
      const store = withCas ? memory : { get: memory.get, set: memory.set };
      const [one, two] = [pkg.createOrder({ lastSeen: store }), pkg.createOrder({ lastSeen: store })];
      const gate = deferred();
      // Both read the store before either records: the race the docs describe.
      const older = one.run(event('a', at(1)), () => gate.promise);
      const newer = two.run(event('a', at(2)), () => {});
      assert.equal(await newer, 'handled');
      gate.resolve();
      assert.equal(await older, 'handled', 'both were handled: the helper cannot prevent that across processes');
      assert.equal(memory.get('a'), withCas ? at(2) : at(1), withCas ? 'compareAndSet keeps the newest time' : 'without compareAndSet the last set wins');
    }
  });

  it('a store whose compareAndSet never succeeds (an update of a missing row): a few tries, then STORE_FAILED, and the handler answers 500', async () => {
    let tries = 0;
    const lastSeen = { get: async () => undefined, set: async () => assert.fail('set is not used'), compareAndSet: async () => (tries++, false) };
    await assert.rejects(pkg.processInOrder(event('a', at(1)), { lastSeen }, async () => {}), (error) => pkg.isAllpassError(error) && error.code === 'STORE_FAILED');
    assert.equal(tries, 5);
    const keys = testKeys();
    const errors = [];
    const handler = pkg.createWebhookHandler({ key: keys.current, lastSeen, onEvent: () => {}, onError: (error, context) => errors.push([error.code, context.status]) });
    const response = await handler(new Request('http://localhost/webhook', { method: 'POST', body: JSON.stringify(envelope(applicantEvent(), keys.current)) }));
    assert.equal(response.status, 500);
    assert.deepEqual(errors, [['STORE_FAILED', 500]]);
  });

  it('rejects a store without get/set', () => {
    assert.throws(() => pkg.createOrder({ lastSeen: {} }), TypeError);
  });
});

describe('the handler, in process', () => {
  const post = (body) => new Request('http://localhost/webhook', { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });

  it('an envelope time that is not a date, with a store → the same 400 (INVALID_ENVELOPE to onError)', async () => {
    const keys = testKeys();
    const errors = [];
    const handler = pkg.createWebhookHandler({ key: keys.current, lastSeen: pkg.memoryLastSeen(), onEvent: () => assert.fail('handled'), onError: (e) => errors.push(e.code) });
    const response = await handler(post(envelope(applicantEvent(), keys.current, 'not a time')));
    assert.equal(response.status, 400);
    assert.equal(await response.text(), '');
    assert.deepEqual(errors, ['INVALID_ENVELOPE']);
  });

  it('the second argument (a Worker env, Next.js params) reaches the callbacks beside request', async () => {
    const keys = testKeys();
    const contexts = [];
    const handler = pkg.createWebhookHandler({ key: keys.current, onEvent: (_event, context) => void contexts.push(context) });
    const request = post(envelope(applicantEvent(), keys.current));
    assert.equal((await handler(request, { env: { DB: 'db' }, request: 'not this' })).status, 200);
    assert.equal(contexts[0].request, request, 'request is always the Request');
    assert.deepEqual(contexts[0].env, { DB: 'db' });
  });

  it('the web build before init(): the handler is made, answers 500 (the vendor retries), then works once init() ran', () => {
    // Its own process: the web entry shares lib/ with the Node entry, as in one bundle.
    const keys = testKeys();
    const script = `
      import { readFileSync } from 'node:fs';
      import init, { createWebhookHandler } from './node_modules/allpass-crypto/web.mjs';
      const errors = [];
      const handler = createWebhookHandler({ key: ${JSON.stringify(keys.current)}, onEvent: () => {}, onError: (e, c) => errors.push(c.status) });
      const body = ${JSON.stringify(JSON.stringify(envelope(applicantEvent(), keys.current)))};
      const send = () => handler(new Request('http://x/', { method: 'POST', body }));
      const before = (await send()).status;
      await init({ module_or_path: readFileSync('./node_modules/allpass-crypto/dist/web/allpass_crypto_bg.wasm') });
      const after = (await send()).status;
      console.log(JSON.stringify({ before, after, errors }));
    `;
    writeFileSync(join(installed.dir, 'late-init.mjs'), script);
    const out = execFileSync(process.execPath, ['late-init.mjs'], { cwd: installed.dir, encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out.trim().split('\n').at(-1)), { before: 500, after: 200, errors: [500] });
  });

  it('a key given as a function (sync or async) is called on the first request, once while it succeeds; both key lists work', async () => {
    const keys = testKeys();
    for (const [kind, give] of [
      ['sync', (value) => () => value],
      ['async', (value) => async () => value],
    ]) {
      for (const value of [keys.current, [keys.previous, keys.current]]) {
        let calls = 0;
        const events = [];
        const given = give(value);
        const handler = pkg.createWebhookHandler({ key: () => (calls += 1, given()), onEvent: (event) => void events.push(event.keyIndex) });
        assert.equal(calls, 0, `${kind}: not called at creation`);
        // Two requests at once share one call.
        const statuses = await Promise.all([0, 1].map(() => handler(post(envelope(applicantEvent(), keys.current)))));
        assert.deepEqual(statuses.map((response) => response.status), [200, 200], kind);
        assert.equal((await handler(post(envelope(applicantEvent(), keys.stranger)))).status, 400, kind);
        assert.equal(calls, 1, `${kind}: called once, the cipher kept`);
        assert.deepEqual(events, Array.isArray(value) ? [1, 1] : [0, 0], kind);
      }
    }
  });

  it('a key function with no key yet (the variable unset, as in `next build`): creation succeeds, 500 with INVALID_KEY, then works once the variable is set', async () => {
    const keys = testKeys();
    const name = `ALLPASS_TEST_KEY_${process.pid}`;
    delete process.env[name];
    const errors = [];
    const events = [];
    for (const [kind, key] of [
      ['sync', () => process.env[name]],
      ['async', async () => process.env[name]],
    ]) {
      delete process.env[name];
      errors.length = 0;
      events.length = 0;
      const handler = pkg.createWebhookHandler({ key, onEvent: (event) => void events.push(event.data.id), onError: (error, context) => errors.push([error.code, context.status]) });
      const first = applicantEvent();
      const response = await handler(post(envelope(first, keys.current)));
      assert.equal(response.status, 500, kind);
      assert.equal(await response.text(), '', kind);
      process.env[name] = 'not a key';
      assert.equal((await handler(post(envelope(first, keys.current)))).status, 500, `${kind}: a bad key, asked for again`);
      process.env[name] = keys.current;
      assert.equal((await handler(post(envelope(first, keys.current)))).status, 200, `${kind}: the retry`);
      assert.deepEqual(events, [first.id], kind);
      assert.deepEqual(errors, [['INVALID_KEY', 500], ['INVALID_KEY', 500]], kind);
    }
    delete process.env[name];
  });

  it('a key function that throws, and the middleware: 500 with INVALID_KEY (the cause kept), then works', async () => {
    const keys = testKeys();
    let key;
    const errors = [];
    const middleware = pkg.createNodeMiddleware({ key: () => { if (!key) throw new Error('secret store down'); return key; }, onEvent: () => {}, onError: (error, context) => errors.push([error.code, error.cause?.message, context.status]) });
    const http = await import('node:http');
    const server = http.createServer((req, res) => middleware(req, res));
    await new Promise((done) => server.listen(0, '127.0.0.1', done));
    try {
      const url = `http://127.0.0.1:${server.address().port}/webhook`;
      const send = async () => (await fetch(url, { method: 'POST', body: JSON.stringify(envelope(applicantEvent(), keys.current)) })).status;
      assert.equal(await send(), 500);
      key = keys.current;
      assert.equal(await send(), 200);
      assert.deepEqual(errors, [['INVALID_KEY', 'secret store down', 500]]);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('a key given as a string still fails at creation; so does a value that is neither a key nor a function', () => {
    assert.throws(() => pkg.createWebhookHandler({ key: 'abc', onEvent: () => {} }), (error) => pkg.isAllpassError(error) && error.code === 'INVALID_KEY');
    assert.throws(() => pkg.createNodeMiddleware({ key: undefined, onEvent: () => {} }), TypeError);
    assert.throws(() => pkg.createWebhookHandler({ key: 42, onEvent: () => {} }), TypeError);
  });

  it('onError throwing or rejecting does not change the answer', async () => {
    const keys = testKeys();
    for (const onError of [() => { throw new Error('x'); }, () => Promise.reject(new Error('y'))]) {
      const handler = pkg.createWebhookHandler({ key: keys.current, onEvent: () => {}, onError });
      assert.equal((await handler(post('nope'))).status, 400);
    }
  });

  it('bad options fail at creation: a bad key with INVALID_KEY, a missing onEvent with a TypeError', () => {
    assert.throws(() => pkg.createWebhookHandler({ key: 'abc', onEvent: () => {} }), (error) => pkg.isAllpassError(error) && error.code === 'INVALID_KEY');
    assert.throws(() => pkg.createWebhookHandler({ key: ref.randomKey() }), TypeError);
    assert.throws(() => pkg.createNodeMiddleware({ key: [], onEvent: () => {} }), TypeError);
    assert.throws(() => pkg.createWebhookHandler({ key: ref.randomKey(), onEvent: () => {}, maxBodyBytes: 0 }), TypeError);
  });

  it('key rotation over random key lists: each listed key accepted with its index, any other rejected (fast-check)', async () => {
    const key = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes).toString('hex'));
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(key, { minLength: 1, maxLength: 4 }), fc.nat(), key, async (keys, pick, outsider) => {
        fc.pre(!keys.includes(outsider));
        const seen = [];
        const handler = pkg.createWebhookHandler({ key: keys, onEvent: (e) => seen.push(e.keyIndex) });
        const index = pick % keys.length;
        const accepted = await handler(post(envelope(applicantEvent(), keys[index])));
        const rejected = await handler(post(envelope(applicantEvent(), outsider)));
        return accepted.status === 200 && rejected.status === 400 && seen.length === 1 && seen[0] === index;
      }),
      { numRuns: 60 },
    );
  });
});
