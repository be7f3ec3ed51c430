// encryptRequest, parseResponse and createClient against a local server that follows the
// vendor's documented Open API: x-private-app-key, POST /api/public/applicant (201 with the
// { status, statusCode, data } envelope), GET /api/public/applicant/{id} and …/{id}/status;
// `data` encrypted, or in clear as the docs' examples show it. Real HTTP on 127.0.0.1.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { installPackage, ref, testKeys } from './harness.mjs';

let installed;
let pkg;
const keys = testKeys();
const appKey = `app-${randomUUID()}`;
let server;
let baseUrl;
const seen = []; // what the server received: { method, path, appKey, body }
const state = { mode: 'encrypted', key: keys.current, applicants: new Map() };

/** The documented answer: the envelope, `data` encrypted unless the mode says clear. */
function reply(res, httpStatus, data, { status = true, statusCode = 200 } = {}) {
  const body = { status, statusCode, data: state.mode === 'encrypted' && data !== null ? ref.encryptData(data, state.key) : data };
  res.writeHead(httpStatus, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function vendor(req, res) {
  const parts = [];
  req.on('data', (part) => parts.push(part));
  req.on('end', () => {
    const text = Buffer.concat(parts).toString('utf8');
    const path = req.url;
    seen.push({ method: req.method, path, appKey: req.headers['x-private-app-key'], body: text });
    if (req.headers['x-private-app-key'] !== appKey) return reply(res, 401, null, { status: false, statusCode: 401 });
    let match;
    if (req.method === 'POST' && path === '/api/public/applicant') {
      let input;
      try {
        input = JSON.parse(ref.decryptData(JSON.parse(text).data, keys.current));
      } catch {
        return reply(res, 400, null, { status: false, statusCode: 400 });
      }
      if (typeof input.externalUserId !== 'string' || typeof input.flowName !== 'string') return reply(res, 400, null, { status: false, statusCode: 400 });
      const applicant = { id: randomUUID(), externalUserId: input.externalUserId, status: 'INIT', email: input.email, review: { status: 'INIT' }, servicesData: [] };
      state.applicants.set(applicant.id, applicant);
      return reply(res, 201, applicant);
    }
    if (req.method === 'GET' && (match = /^\/api\/public\/applicant\/([^/]+)(\/status)?$/.exec(path))) {
      const id = decodeURIComponent(match[1]);
      if (id === 'boom') return res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad gateway</html>');
      if (id === 'refused') return reply(res, 200, null, { status: false, statusCode: 403 });
      const applicant = state.applicants.get(id) ?? [...state.applicants.values()].find((a) => a.externalUserId === id);
      if (!applicant) return reply(res, 404, null, { status: false, statusCode: 404 });
      return reply(res, 200, match[2] ? { status: applicant.status, review: applicant.review } : applicant);
    }
    res.writeHead(404).end();
  });
}

before(async () => {
  installed = await installPackage();
  pkg = installed.pkg;
  server = http.createServer(vendor);
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  baseUrl = `http://127.0.0.1:${server.address().port}/`;
});
after(async () => {
  server?.closeAllConnections();
  await new Promise((done) => (server ? server.close(done) : done()));
  installed?.remove();
});

/** No key, app key or key-like text in what an error shows. */
function assertNoSecrets(error) {
  const shown = `${error.message} ${error.stack} ${JSON.stringify(error)}`;
  for (const secret of [keys.current, keys.previous, appKey]) assert.ok(!shown.includes(secret), 'an error shows a secret');
}

describe('encryptRequest and parseResponse', () => {
  it('encryptRequest → { data } that node:crypto (the vendor) decrypts; with a list, under the first key', () => {
    const body = { externalUserId: 'u-1', flowName: 'Basic KYC', suppliedInfo: { name: 'Zoë' } };
    const sealed = pkg.encryptRequest(body, keys.current);
    assert.deepEqual(Object.keys(sealed), ['data']);
    assert.deepEqual(JSON.parse(ref.decryptData(sealed.data, keys.current)), body);
    const listed = pkg.encryptRequest(body, [keys.previous, keys.current]);
    assert.deepEqual(JSON.parse(ref.decryptData(listed.data, keys.previous)), body);
  });

  it('parseResponse: encrypted data decrypted (encrypted: true, keyIndex), clear data passed through (encrypted: false)', () => {
    const profile = { id: randomUUID(), status: 'INIT' };
    const sealed = JSON.stringify({ status: true, statusCode: 200, data: ref.encryptData(profile, keys.previous) });
    assert.deepEqual(pkg.parseResponse(sealed, [keys.current, keys.previous]), { status: true, statusCode: 200, data: profile, encrypted: true, keyIndex: 1 });
    assert.deepEqual(pkg.parseResponse(Buffer.from(sealed), [keys.current, keys.previous]).data, profile, 'bytes too');
    const clear = { status: true, statusCode: 200, data: profile };
    assert.deepEqual(pkg.parseResponse(JSON.stringify(clear), keys.current), { ...clear, encrypted: false });
    assert.deepEqual(pkg.parseResponse(clear, keys.current), { ...clear, encrypted: false }, 'a parsed object too');
    const refused = { status: false, statusCode: 404, data: null };
    assert.deepEqual(pkg.parseResponse(JSON.stringify(refused), keys.current), { ...refused, encrypted: false }, 'status: false is returned as is');
    assert.deepEqual(pkg.parseResponse({ status: true, statusCode: 200, data: 'done' }, keys.current).data, 'done', 'a clear string that is not ciphertext');
  });

  it('parseResponse failures are coded: not JSON, not an envelope, the wrong key', () => {
    const code = (fn) => {
      try {
        fn();
      } catch (error) {
        assert.ok(pkg.isAllpassError(error));
        assertNoSecrets(error);
        return error.code;
      }
      assert.fail('nothing thrown');
    };
    assert.equal(code(() => pkg.parseResponse('<html>', keys.current)), 'INVALID_JSON');
    assert.equal(code(() => pkg.parseResponse('[1]', keys.current)), 'INVALID_ENVELOPE');
    assert.equal(code(() => pkg.parseResponse({ statusCode: 200, data: {} }, keys.current)), 'INVALID_ENVELOPE');
    const sealed = { status: true, statusCode: 200, data: ref.encryptData({ a: 1 }, keys.stranger) };
    assert.equal(code(() => pkg.parseResponse(sealed, keys.current)), 'DECRYPT_FAILED');
  });
});

describe('createClient against the documented API', () => {
  const client = () => pkg.createClient({ baseUrl, appKey, key: [keys.current, keys.previous] });

  for (const mode of ['encrypted', 'clear']) {
    it(`createApplicant, getApplicant, getApplicantStatus (answers ${mode})`, async () => {
      state.mode = mode;
      seen.length = 0;
      const externalUserId = `user ${randomUUID()}/ü`; // needs encoding in the path
      const created = await client().createApplicant({ externalUserId, flowName: 'Basic KYC', email: 'a@example.com' });
      assert.equal(created.status, true);
      assert.equal(created.encrypted, mode === 'encrypted');
      assert.equal(created.data.externalUserId, externalUserId);
      assert.equal(created.data.status, 'INIT');
      // The request as the vendor sees it: the app key header, the body { data } encrypted.
      assert.equal(seen[0].method, 'POST');
      assert.equal(seen[0].path, '/api/public/applicant');
      assert.equal(seen[0].appKey, appKey);
      const sent = JSON.parse(seen[0].body);
      assert.deepEqual(Object.keys(sent), ['data']);
      assert.deepEqual(JSON.parse(ref.decryptData(sent.data, keys.current)), { externalUserId, flowName: 'Basic KYC', email: 'a@example.com' });

      const byId = await client().getApplicant(created.data.id);
      assert.deepEqual(byId.data, created.data);
      const byExternal = await client().getApplicant(externalUserId);
      assert.equal(byExternal.data.id, created.data.id);
      assert.equal(seen.at(-1).path, `/api/public/applicant/${encodeURIComponent(externalUserId)}`);
      const status = await client().getApplicantStatus(created.data.id);
      assert.equal(status.data.status, 'INIT');
      assert.equal(seen.at(-1).path, `/api/public/applicant/${created.data.id}/status`);
      assert.equal(seen.at(-1).body, '', 'GET has no body');
    });
  }

  it('answers under the previous key are decrypted, with keyIndex 1', async () => {
    state.mode = 'encrypted';
    state.key = keys.previous;
    try {
      const created = await client().createApplicant({ externalUserId: `u-${randomUUID()}`, flowName: 'Basic KYC' });
      assert.equal(created.keyIndex, 1);
    } finally {
      state.key = keys.current;
    }
  });

  it('4xx, 5xx and status: false → API_ERROR with the HTTP status; no secret in the error', async () => {
    state.mode = 'encrypted';
    const cases = [
      [() => client().getApplicant(`missing-${randomUUID()}`), 404, 404],
      [() => client().getApplicant('boom'), 502, undefined],
      [() => client().getApplicant('refused'), 200, 403],
      [() => client().createApplicant({ externalUserId: 'no flow' }), 400, 400],
      [() => pkg.createClient({ baseUrl, appKey: 'wrong-app-key', key: keys.current }).getApplicantStatus('x'), 401, 401],
    ];
    for (const [call, status, statusCode] of cases) {
      await assert.rejects(call(), (error) => {
        assert.ok(pkg.isAllpassError(error), error.message);
        assert.equal(error.name, 'AllpassCryptoError');
        assert.equal(error.code, 'API_ERROR');
        assert.equal(error.status, status);
        assert.equal(error.statusCode, statusCode);
        assertNoSecrets(error);
        return true;
      });
    }
  });

  it('uses the fetch it is given, and checks its options', async () => {
    const calls = [];
    const fetch = async (url, init) => {
      calls.push([url, init.method, init.headers['x-private-app-key']]);
      return new Response(JSON.stringify({ status: true, statusCode: 200, data: ref.encryptData({ status: 'APPROVED' }, keys.current) }), { status: 200 });
    };
    const custom = pkg.createClient({ baseUrl: 'https://allpass.invalid/base/', appKey, key: keys.current, fetch });
    assert.deepEqual((await custom.getApplicantStatus('a b')).data, { status: 'APPROVED' });
    assert.deepEqual(calls, [['https://allpass.invalid/base/api/public/applicant/a%20b/status', 'GET', appKey]]);
    assert.throws(() => pkg.createClient({ appKey, key: keys.current }), TypeError);
    assert.throws(() => pkg.createClient({ baseUrl, key: keys.current }), TypeError);
    assert.throws(() => pkg.createClient({ baseUrl, appKey }), TypeError);
    for (const id of ['', '.', '..', ' ']) {
      await assert.rejects(custom.getApplicant(id), (error) => pkg.isAllpassError(error) && error.code === 'INVALID_ARGUMENT', JSON.stringify(id));
      await assert.rejects(custom.getApplicantStatus(id), (error) => error.code === 'INVALID_ARGUMENT', JSON.stringify(id));
    }
    assert.equal(calls.length, 1, "no request for '', '.' or '..' (/applicant/.. would be /api/public/status)");
  });

  it('a redirect is not followed: API_ERROR naming the status and the target origin; the other origin never sees the app key', async () => {
    const elsewhere = [];
    const other = http.createServer((req, res) => {
      elsewhere.push(req.headers['x-private-app-key']);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":true,"statusCode":200,"data":{}}');
    });
    await new Promise((done) => other.listen(0, '127.0.0.1', done));
    const otherOrigin = `http://localhost:${other.address().port}`;
    const redirecting = http.createServer((req, res) => res.writeHead(302, { location: `${otherOrigin}/steal${req.url}` }).end());
    await new Promise((done) => redirecting.listen(0, '127.0.0.1', done));
    try {
      const client = pkg.createClient({ baseUrl: `http://127.0.0.1:${redirecting.address().port}`, appKey, key: keys.current });
      for (const call of [() => client.getApplicant('someone'), () => client.createApplicant({ externalUserId: 'u', flowName: 'f' })]) {
        await assert.rejects(call(), (error) => {
          assert.equal(error.code, 'API_ERROR');
          assert.equal(error.reason, 'REDIRECT');
          assert.equal(error.status, 302);
          assert.match(error.message, new RegExp(`HTTP 302\\) to ${otherOrigin}`));
          assert.ok(!error.message.includes('someone') && !error.message.includes('/steal'), 'the path is not shown');
          assertNoSecrets(error);
          return true;
        });
      }
      assert.deepEqual(elsewhere, [], 'nothing reached the other origin');
    } finally {
      other.closeAllConnections();
      redirecting.closeAllConnections();
      await Promise.all([new Promise((done) => other.close(done)), new Promise((done) => redirecting.close(done))]);
    }
  });

  it('baseUrl must be https:, except http: on localhost and 127.0.0.1', () => {
    for (const baseUrl of ['http://allpass.example', 'http://10.0.0.1:8080', 'ftp://allpass.example', 'http://localhost.evil.example']) {
      assert.throws(() => pkg.createClient({ baseUrl, appKey, key: keys.current }), /https:/, baseUrl);
    }
    for (const baseUrl of ['https://allpass.example', 'http://localhost:3000', 'http://127.0.0.1:1', 'http://[::1]:8080/']) {
      assert.ok(pkg.createClient({ baseUrl, appKey, key: keys.current }), baseUrl);
    }
  });

  it("API_ERROR keeps the decrypted answer off what loggers print: util.inspect, JSON.stringify, Object.keys", async () => {
    const secret = `secret-${randomUUID()}`;
    const fetch = async () => new Response(JSON.stringify({ status: false, statusCode: 403, data: ref.encryptData({ reason: secret }, keys.current) }), { status: 403 });
    const error = await pkg.createClient({ baseUrl: 'https://allpass.invalid', appKey, key: keys.current, fetch }).getApplicant('x').catch((caught) => caught);
    assert.equal(error.code, 'API_ERROR');
    assert.equal(error.body.data.reason, secret, 'still there for code that asks for it');
    const { inspect } = await import('node:util');
    for (const shown of [inspect(error), inspect(error, { depth: 10 }), JSON.stringify(error), Object.keys(error).join(), String(error)]) {
      assert.ok(!shown.includes(secret), `printed: ${shown}`);
    }
  });
});
