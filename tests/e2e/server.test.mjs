// The inbox server's limits and its refusals: every bad request gets a clear 4xx, none crashes it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createServer, MAX_BODY_BYTES, MAX_STORED } from '../../www/server.mjs';

let server;
let origin;
before(async () => {
  server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
});
after(async () => {
  server.closeAllEvents();
  await new Promise((resolve) => server.close(resolve));
});

const post = (body, headers = {}) => fetch(`${origin}/webhook`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

/** A raw request, for what fetch will not send (unencoded dot segments, lying lengths). */
function raw(path, { method = 'GET', body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const request = http.request(`${origin}${path}`, { method, headers }, (response) => {
      let text = '';
      response.on('data', (chunk) => { text += chunk; });
      response.on('end', () => resolve({ status: response.statusCode, text }));
    });
    request.on('error', reject);
    if (body) request.write(body);
    request.end();
  });
}

describe('webhook inbox server', () => {
  it('stores a JSON body and answers 200', async () => {
    const response = await post('{"status":true,"statusCode":200,"data":"00","time":"t"}');
    assert.equal(response.status, 200);
    assert.equal((await response.json()).received, true);
    const stored = await (await fetch(`${origin}/webhooks`)).json();
    assert.equal(stored.at(-1).body, '{"status":true,"statusCode":200,"data":"00","time":"t"}');
  });

  it('refuses bodies over 1 MB with 413, declared or streamed', async () => {
    const big = `"${'x'.repeat(MAX_BODY_BYTES)}"`;
    assert.equal((await post(big)).status, 413);
    const streamed = await raw('/webhook', { method: 'POST', body: big, headers: { 'transfer-encoding': 'chunked' } });
    assert.equal(streamed.status, 413);
    assert.equal((await post(`"${'x'.repeat(MAX_BODY_BYTES - 2)}"`)).status, 200, 'exactly 1 MB is fine');
  });

  it('refuses non-JSON with 400 and the wrong method with 405', async () => {
    const notJson = await post('data=abc');
    assert.equal(notJson.status, 400);
    assert.match((await notJson.json()).error, /not JSON/);
    const get = await fetch(`${origin}/webhook`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    assert.equal((await fetch(`${origin}/`, { method: 'DELETE' })).status, 405);
  });

  it(`keeps only the last ${MAX_STORED}`, async () => {
    for (let i = 0; i < MAX_STORED + 5; i++) assert.equal((await post(JSON.stringify({ i }))).status, 200);
    const stored = await (await fetch(`${origin}/webhooks`)).json();
    assert.equal(stored.length, MAX_STORED);
    assert.equal(JSON.parse(stored.at(-1).body).i, MAX_STORED + 4);
    assert.equal(JSON.parse(stored[0].body).i, 5);
  });

  it('pushes each arrival to Server-Sent Events listeners', async () => {
    const controller = new AbortController();
    const response = await fetch(`${origin}/events`, { signal: controller.signal });
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    const reader = response.body.getReader();
    await post('{"live":true}');
    let text = '';
    while (!text.includes('event: webhook')) text += new TextDecoder().decode((await reader.read()).value);
    const data = JSON.parse(text.split('\n').find((line) => line.startsWith('data: ')).slice(6));
    assert.equal(data.body, '{"live":true}');
    controller.abort();
  });

  it('serves the page with a Content-Security-Policy, and nothing outside www/ and the package', async () => {
    const page = await fetch(`${origin}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy'), /connect-src 'self'/);
    assert.equal((await fetch(`${origin}/pkg/allpass_crypto_bg.wasm`)).headers.get('content-type'), 'application/wasm');
    for (const path of ['/../Cargo.toml', '/pkg/../../Cargo.toml', '/%2e%2e/Cargo.toml', '/pkg/%2e%2e%2f%2e%2e%2fCargo.toml', '/server.mjs', '/nope']) {
      assert.equal((await raw(path)).status, 404, path);
    }
    assert.equal((await raw('/%E0%A4%A')).status, 400, 'a malformed URL');
    assert.equal((await fetch(`${origin}/`)).status, 200, 'still serving');
  });
});
