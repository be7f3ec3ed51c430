// What an attacker who holds one captured webhook body can do with it. The vendor's CBC has no
// MAC, so the attacker can send variants: IV bits flipped (chosen changes to the first plaintext
// block), a pair of ciphertext blocks cut out as IV + one block, the envelope `time` changed.
// Each attack runs twice: against a control handler that answers from parseWebhook alone (what
// this package's handler did before; the attack must work there, so the test can fail), and
// against createWebhookHandler, where it must recover nothing and reach onEvent never.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { applicantEvent, envelope, installPackage, ref, testKeys } from './harness.mjs';

let installed;
let pkg;
before(async () => {
  installed = await installPackage();
  pkg = installed.pkg;
});
after(() => installed?.remove());

const keys = testKeys();
const post = (body) => new Request('http://localhost/webhook', { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
const minutesAgo = (minutes) => new Date(Date.now() - minutes * 60_000).toISOString();

/** The handler under test, with every callback recorded. */
function hardened(options = {}) {
  const log = { events: [], duplicates: [], stale: [], errors: [] };
  const handler = pkg.createWebhookHandler({
    key: keys.current,
    lastSeen: pkg.memoryLastSeen(),
    onEvent: (event) => void log.events.push(event),
    onDuplicate: (event) => void log.duplicates.push(event),
    onStale: (event) => void log.stale.push(event),
    onError: (error) => void log.errors.push(error),
    ...options,
  });
  return { log, send: async (body) => (await handler(post(body))).status };
}

/** The control: decrypt, parse, hand over; one uniform 400 for every failure (no oracle on padding). */
function control() {
  const log = { events: [] };
  const send = async (body) => {
    try {
      log.events.push(pkg.parseWebhook(JSON.stringify(body), keys.current));
      return 200;
    } catch {
      return 400;
    }
  };
  return { log, send };
}

const withIv = (body, iv) => ({ ...body, data: iv.toString('hex') + body.data.slice(32) });

/**
 * The IV-flipping attack on bytes `positions` of the first plaintext block: for each byte, the
 * 255 flips of the IV byte, and which of them make the plaintext invalid JSON (400). Inside a JSON
 * string a control character (below 0x20) is invalid, and so is a quote: the 32 flips that share
 * the byte's top three bits, and the one that makes it '"', give the byte away.
 */
async function ivFlipAttack(send, captured, positions) {
  const statuses = new Map();
  const recovered = new Map();
  let requests = 0;
  for (const position of positions) {
    const invalid = new Set();
    for (let flip = 1; flip < 256; flip++) {
      const iv = Buffer.from(captured.data.slice(0, 32), 'hex');
      iv[position] ^= flip;
      const status = await send(withIv(captured, iv));
      requests++;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status === 400) invalid.add(flip);
    }
    const guess = deduce(invalid);
    if (guess !== undefined) recovered.set(position, guess);
  }
  return { requests, statuses, recovered };
}

/** The plaintext byte the invalid flips point to, or undefined when they point to no single one. */
function deduce(invalid) {
  const groups = [];
  for (let top = 0; top < 8; top++) {
    const flips = Array.from({ length: 32 }, (_, low) => (top << 5) | low).filter((flip) => flip !== 0);
    if (flips.every((flip) => invalid.has(flip))) groups.push(top);
  }
  if (groups.length !== 1) return undefined;
  const quotes = [...invalid].filter((flip) => flip >> 5 === (groups[0] ^ 1));
  return quotes.length === 1 ? quotes[0] ^ 0x22 : undefined;
}

/** The plaintext's first block: `{"id":"` and nine bytes of the applicant id the attacker wants. */
const UNKNOWN = [7, 8, 9, 10, 11, 12, 13, 14, 15];

describe('a captured body, attacked', () => {
  it('IV flipping: the control gives away the 9 unknown bytes of the first block; the handler gives nothing, and no forgery reaches onEvent', async () => {
    const payload = applicantEvent();
    const captured = envelope(payload, keys.current, minutesAgo(1));
    const truth = Buffer.from(JSON.stringify(payload)).subarray(0, 16);

    const weak = control();
    assert.equal(await weak.send(captured), 200);
    const before = await ivFlipAttack(weak.send, captured, UNKNOWN);
    assert.equal(before.requests, 2295);
    assert.deepEqual([...before.recovered].map(([at, byte]) => [at, String.fromCharCode(byte)]), UNKNOWN.map((at) => [at, String.fromCharCode(truth[at])]), 'the attack recovers every byte from the control');
    assert.ok(weak.log.events.length - 1 > 1000, 'forged events reach the control');

    const strong = hardened();
    assert.equal(await strong.send(captured), 200);
    const after = await ivFlipAttack(strong.send, captured, UNKNOWN);
    assert.equal(after.recovered.size, 0, 'no byte recovered');
    assert.deepEqual([...after.statuses], [[400, 2295]], 'every forgery gets the uniform 400');
    assert.deepEqual(strong.log.events.map((event) => event.data), [payload], 'no forgery reaches onEvent');
    assert.equal(strong.log.errors.length, 2295);
    assert.ok(strong.log.errors.every((error) => error.code === 'TAMPERED'));
    console.log(`IV flipping, ${before.requests} requests: control ${before.recovered.size} bytes recovered, ${weak.log.events.length - 1} forged events handled; handler ${after.recovered.size} bytes, ${strong.log.events.length - 1} forged events`);
  });

  it('IV flipping on a body the handler never saw: at most one answer differs from the uniform 400, at most one forgery is handled', async () => {
    const payload = applicantEvent();
    const captured = envelope(payload, keys.current, minutesAgo(1)); // intercepted, never delivered here
    const strong = hardened();
    const after = await ivFlipAttack(strong.send, captured, UNKNOWN);
    assert.equal(after.recovered.size, 0);
    assert.ok((after.statuses.get(400) ?? 0) >= after.requests - 1, `answers: ${[...after.statuses]}`);
    assert.ok(strong.log.events.length <= 1);
  });

  it('cut-out pairs (two blocks as IV + one block) and padding probes on them: every one refused before decryption', async () => {
    const payload = applicantEvent({ warnings: ['a longer payload', 'so that it has many blocks'] });
    const captured = envelope(payload, keys.current, minutesAgo(1));
    const blocks = captured.data.match(/.{32}/g);
    const strong = hardened();
    assert.equal(await strong.send(captured), 200);
    let requests = 0;
    for (let k = 1; k < blocks.length; k++) {
      for (let flip = 0; flip < 256; flip += 15) {
        const iv = Buffer.from(blocks[k - 1], 'hex');
        iv[15] ^= flip;
        assert.equal(await strong.send({ ...captured, data: iv.toString('hex') + blocks[k] }), 400);
        requests++;
      }
    }
    assert.equal(strong.log.events.length, 1);
    assert.equal(strong.log.errors.length, requests);
    assert.ok(strong.log.errors.every((error) => error.code === 'TAMPERED'), 'refused as forgeries, not as padding or JSON failures');
  });

  it('a replay of a failed delivery with a near-future time is ordered by when the body was first seen: later genuine events are not made stale', async () => {
    let fail = true;
    const strong = hardened({
      onEvent: (event) => {
        if (fail) throw new Error('the database is down');
        strong.log.events.push(event.data.stepName);
      },
    });
    const id = applicantEvent().id;
    // Delivered as the vendor does: each envelope built just before it is sent.
    const first = envelope(applicantEvent({ id, stepName: 'first' }), keys.current, new Date().toISOString());
    assert.equal(await strong.send(first), 500);
    fail = false;
    assert.equal(await strong.send({ ...first, time: new Date(Date.now() + 4 * 60_000).toISOString() }), 200, 'handled, as the genuine payload it is');
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(await strong.send(envelope(applicantEvent({ id, stepName: 'second' }), keys.current, new Date().toISOString())), 200);
    assert.deepEqual(strong.log.events, ['first', 'second'], 'the later event is not stale');
    assert.deepEqual(strong.log.stale, []);
  });

  it('a replay with a far-future time cannot silence the applicant: refused; a near-future one is a duplicate; later genuine events are handled', async () => {
    const id = applicantEvent().id;
    const first = applicantEvent({ id, stepName: 'first' });
    const captured = envelope(first, keys.current, minutesAgo(10));
    const strong = hardened();
    assert.equal(await strong.send(captured), 200);
    assert.equal(await strong.send({ ...captured, time: '2999-01-01T00:00:00.000Z' }), 400);
    assert.equal(await strong.send({ ...captured, time: new Date(Date.now() + 4 * 60_000).toISOString() }), 200);
    assert.equal(await strong.send(envelope(first, keys.current, captured.time)), 200, 'the same payload and time re-encrypted (a new IV): the same event');
    const second = applicantEvent({ id, stepName: 'second' });
    assert.equal(await strong.send(envelope(second, keys.current, minutesAgo(0))), 200);
    assert.deepEqual(strong.log.events.map((event) => event.data.stepName), ['first', 'second'], 'the later genuine event is handled');
    assert.equal(strong.log.duplicates.length, 2);
    assert.deepEqual(strong.log.stale, []);
    assert.deepEqual(strong.log.errors.map((error) => [error.code, error.reason]), [['INVALID_ENVELOPE', 'FUTURE_TIME']]);
  });

  it('clockSkewMs moves the limit', async () => {
    const strong = hardened({ clockSkewMs: 0 });
    assert.equal(await strong.send(envelope(applicantEvent(), keys.current, new Date(Date.now() + 60_000).toISOString())), 400);
    assert.equal(await strong.send(envelope(applicantEvent(), keys.current, minutesAgo(0))), 200);
  });
});

describe('redeliveries are not forgeries', () => {
  it('the same body after a 500 is handled again; after a 200 it is a duplicate; a forgery sent twice is refused twice', async () => {
    let fail = true;
    const strong = hardened({
      onEvent: (event) => {
        if (fail) throw new Error('the database is down');
        strong.log.events.push(event);
      },
    });
    const payload = applicantEvent();
    const body = envelope(payload, keys.current, minutesAgo(1));
    assert.equal(await strong.send(body), 500);
    fail = false;
    assert.equal(await strong.send(body), 200);
    assert.equal(await strong.send(body), 200);
    assert.deepEqual(strong.log.events.map((event) => event.data), [payload]);
    assert.equal(strong.log.duplicates.length, 1);
    const iv = Buffer.from(body.data.slice(0, 32), 'hex');
    iv[3] ^= 1;
    assert.equal(await strong.send(withIv(body, iv)), 400);
    assert.equal(await strong.send(withIv(body, iv)), 400);
    assert.deepEqual(strong.log.errors.slice(1).map((error) => error.code), ['TAMPERED', 'TAMPERED']);
  });

  it('a delivery that failed (500) stays protected however much garbage follows: its forgeries get the uniform 400', async () => {
    const strong = hardened({ rememberBlocks: 64, onEvent: () => Promise.reject(new Error('the database is down')) });
    const captured = envelope(applicantEvent(), keys.current, minutesAgo(1));
    assert.equal(await strong.send(captured), 500);
    for (let i = 0; i < 10; i++) await strong.send(envelope(applicantEvent(), keys.stranger, minutesAgo(1)));
    for (let flip = 1; flip < 40; flip++) {
      const iv = Buffer.from(captured.data.slice(0, 32), 'hex');
      iv[9] ^= flip;
      assert.equal(await strong.send(withIv(captured, iv)), 400);
    }
    assert.equal(strong.log.errors.at(-1).code, 'TAMPERED');
  });

  it('a body never decrypted here, its blocks pushed out by garbage: one differing answer per flush at most, and a forgery that decrypts ends it', async () => {
    const strong = hardened({ rememberBlocks: 64, onEvent: () => Promise.reject(new Error('never handled')) });
    const captured = envelope(applicantEvent(), keys.current, minutesAgo(1)); // intercepted, never delivered here
    const flush = async () => {
      for (let i = 0; i < 10; i++) await strong.send(envelope(applicantEvent(), keys.stranger, minutesAgo(1)));
    };
    const answers = [];
    for (let round = 0; round < 3; round++) {
      await flush();
      for (let flip = 1; flip < 10; flip++) {
        const iv = Buffer.from(captured.data.slice(0, 32), 'hex');
        iv[9] ^= flip + round * 10;
        answers.push(await strong.send(withIv(captured, iv)));
      }
    }
    // The first forgery decrypts (a changed id is still JSON): its blocks are then protected,
    // and no flush brings them back.
    assert.ok(answers.filter((status) => status !== 400).length <= 1, `answers ${answers}`);
  });

  it('a handled body stays remembered however much garbage arrives after it (garbage fills the other tier only)', async () => {
    const strong = hardened({ rememberBlocks: 64 });
    const captured = envelope(applicantEvent(), keys.current, minutesAgo(1));
    assert.equal(await strong.send(captured), 200);
    for (let i = 0; i < 20; i++) await strong.send(envelope(applicantEvent(), keys.stranger, minutesAgo(1)));
    const iv = Buffer.from(captured.data.slice(0, 32), 'hex');
    iv[9] ^= 1;
    assert.equal(await strong.send(withIv(captured, iv)), 400);
    assert.equal(strong.log.errors.at(-1).code, 'TAMPERED');
    assert.equal(strong.log.events.length, 1);
  });
});

describe('stricter payloads', () => {
  it('a payload that is not a JSON object → the uniform 400, INVALID_PAYLOAD / NOT_OBJECT, never onEvent', async () => {
    const strong = hardened();
    for (const payload of [42, 'text', [1, 2], null, true]) {
      const body = { status: true, statusCode: 200, data: ref.encryptData(payload, keys.current), time: minutesAgo(1) };
      assert.equal(await strong.send(body), 400, JSON.stringify(payload));
    }
    assert.deepEqual(strong.log.events, []);
    assert.deepEqual([...new Set(strong.log.errors.map((error) => `${error.code}/${error.reason}`))], ['INVALID_PAYLOAD/NOT_OBJECT']);
  });

  it('appKey: its own application only (case and spaces aside); another or none → 400, INVALID_PAYLOAD / APP_KEY', async () => {
    const appKey = applicantEvent().appKey;
    const strong = hardened({ appKey: ` ${appKey.toUpperCase()} ` });
    assert.equal(await strong.send(envelope(applicantEvent({ appKey }), keys.current, minutesAgo(1))), 200);
    assert.equal(await strong.send(envelope(applicantEvent(), keys.current, minutesAgo(1))), 400);
    const { appKey: _, ...without } = applicantEvent();
    assert.equal(await strong.send(envelope(without, keys.current, minutesAgo(1))), 400);
    assert.equal(strong.log.events.length, 1);
    assert.deepEqual(strong.log.errors.map((error) => error.reason), ['APP_KEY', 'APP_KEY']);
    assert.throws(() => pkg.createWebhookHandler({ key: keys.current, onEvent() {}, appKey: '' }), TypeError);
  });

  it('validate: false or a throw refuses (400, VALIDATE, the thrown error as cause); anything else accepts', async () => {
    const strong = hardened({
      validate: (payload) => {
        if (payload.stepName === 'throw') throw new Error('no such step');
        return payload.stepName !== 'refuse';
      },
    });
    assert.equal(await strong.send(envelope(applicantEvent({ stepName: 'ok' }), keys.current, minutesAgo(1))), 200);
    assert.equal(await strong.send(envelope(applicantEvent({ stepName: 'refuse' }), keys.current, minutesAgo(1))), 400);
    assert.equal(await strong.send(envelope(applicantEvent({ stepName: 'throw' }), keys.current, minutesAgo(1))), 400);
    assert.deepEqual(strong.log.events.map((event) => event.data.stepName), ['ok']);
    assert.deepEqual(strong.log.errors.map((error) => [error.code, error.reason, error.cause?.message]), [['INVALID_PAYLOAD', 'VALIDATE', undefined], ['INVALID_PAYLOAD', 'VALIDATE', 'no such step']]);
  });

  it('validate is awaited: resolving false refuses, a rejection refuses (400, VALIDATE, its error as cause) and never escapes as an unhandled rejection', async () => {
    const escaped = [];
    const onUnhandled = (reason) => escaped.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const strong = hardened({
        validate: async (payload) => {
          await new Promise((resolve) => setTimeout(resolve, 1));
          if (payload.stepName === 'reject') throw new Error('the rules service is down');
          return payload.stepName !== 'refuse';
        },
      });
      assert.equal(await strong.send(envelope(applicantEvent({ stepName: 'refuse' }), keys.current, minutesAgo(1))), 400);
      assert.equal(await strong.send(envelope(applicantEvent({ stepName: 'reject' }), keys.current, minutesAgo(1))), 400);
      assert.equal(await strong.send(envelope(applicantEvent({ stepName: 'ok' }), keys.current, minutesAgo(1))), 200);
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(strong.log.events.map((event) => event.data.stepName), ['ok']);
      assert.deepEqual(strong.log.errors.map((error) => [error.code, error.reason, error.cause?.message]), [['INVALID_PAYLOAD', 'VALIDATE', undefined], ['INVALID_PAYLOAD', 'VALIDATE', 'the rules service is down']]);
      assert.deepEqual(escaped, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('the cost of garbage', () => {
  it('with a store (and without), the default maxBodyBytes is 64 KiB: a larger body is answered 413 before anything is screened', async () => {
    const body = { status: true, statusCode: 200, data: 'ab'.repeat(40 * 1024), time: minutesAgo(1) };
    for (const options of [{ store: pkg.memoryStore() }, {}]) {
      const errors = [];
      const handler = pkg.createWebhookHandler({ key: keys.current, onEvent: () => assert.fail('handled'), onError: (error) => errors.push(error.reason), ...options });
      assert.equal((await handler(post(body))).status, 413);
      assert.deepEqual(errors, ['TOO_LONG']);
    }
  });
});
