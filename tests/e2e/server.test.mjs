// The inbox server's limits and its refusals: every bad request gets a clear 4xx, none crashes it;
// only POST /webhook answers without the token; memory held for slow readers is bounded.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { createServer, HEADERS_TIMEOUT_MS, MAX_BODY_BYTES, MAX_RECEIVING_BYTES, MAX_STORED, MAX_STORED_BYTES, MAX_UNSENT_BYTES, REQUEST_TIMEOUT_MS } from '../../pkg/bin/inbox-server.mjs';

let server;
let origin;
let cookie;
before(async () => {
  server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  cookie = `allpass-inbox-${server.address().port}=${server.token}`;
});
after(async () => {
  server.closeAllEvents();
  await new Promise((resolve) => server.close(resolve));
});

const post = (body, headers = {}) => fetch(`${origin}/webhook`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
/** A GET with the token's cookie, as the page makes it. */
const get = (path, options = {}) => fetch(`${origin}${path}`, { ...options, headers: { cookie, ...options.headers } });

/** A raw request, for what fetch will not send (unencoded dot segments, lying lengths). */
function raw(path, { method = 'GET', body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port: server.address().port, path, method, headers }, (response) => {
      let text = '';
      response.on('data', (chunk) => { text += chunk; });
      response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, text }));
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
    const stored = await (await get('/webhooks')).json();
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
    const wrongMethod = await fetch(`${origin}/webhook`);
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get('allow'), 'POST');
    assert.equal((await get('/', { method: 'DELETE' })).status, 405);
  });

  it(`keeps only the last ${MAX_STORED}`, async () => {
    for (let i = 0; i < MAX_STORED + 5; i++) assert.equal((await post(JSON.stringify({ i }))).status, 200);
    const stored = await (await get('/webhooks')).json();
    assert.equal(stored.length, MAX_STORED);
    assert.equal(JSON.parse(stored.at(-1).body).i, MAX_STORED + 4);
    assert.equal(JSON.parse(stored[0].body).i, 5);
  });

  it('pushes each arrival to Server-Sent Events listeners', async () => {
    const controller = new AbortController();
    const response = await get('/events', { signal: controller.signal });
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
    const page = await get('/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy'), /connect-src 'self'/);
    for (const name of ['allpass_crypto_bg.wasm']) {
      assert.equal((await get(`/dist/web/${name}`)).headers.get('content-type'), 'application/wasm', name);
    }
    for (const path of ['/../package.json', '/dist/web/../../package.json', '/%2e%2e/package.json', '/dist/web/%2e%2e%2f%2e%2e%2fpackage.json', '/../bin/inbox-server.mjs', '/nope']) {
      assert.equal((await raw(path, { headers: { cookie } })).status, 404, path);
    }
    assert.equal((await raw('/%E0%A4%A', { headers: { cookie } })).status, 400, 'a malformed URL');
    assert.equal((await get('/')).status, 200, 'still serving');
  });

  it('answers strangers on POST /webhook only: the page, the store and the stream need the token', async () => {
    assert.equal((await post('{"open":true}')).status, 200);
    const port = server.address().port;
    const wrong = ['', `allpass-inbox-${port}=${server.token.slice(1)}`, `allpass-inbox-${port}=x${server.token}`, `allpass-inbox-${port + 1}=${server.token}`];
    for (const path of ['/', '/index.html', '/app.js', '/style.css', '/webhooks', '/events', '/dist/web/allpass_crypto.js', '/?token=nope', `/?token=${server.token.toUpperCase()}`]) {
      for (const header of wrong) {
        const response = await fetch(`${origin}${path}`, { headers: header ? { cookie: header } : {}, redirect: 'manual' });
        assert.equal(response.status, 401, `${path} with cookie ${JSON.stringify(header)}`);
        assert.doesNotMatch(await response.text(), new RegExp(server.token), 'the token is never in a refusal');
      }
    }
  });

  it('redirects only to a path on its own origin: /.//evil.example/ and /\\evil.example/ stay here', async () => {
    for (const path of ['/.//evil.example/', '//evil.example/', '/\\evil.example/', '/./\\/evil.example/']) {
      const response = await raw(`${path}?token=${server.token}`);
      assert.equal(response.status, 303, path);
      const location = response.headers.location;
      assert.match(location, /^\/(?![/\\])/, `${path} → ${location}`);
      assert.equal(new URL(location, origin).origin, origin, `${path} → ${location}`);
    }
  });

  it(`${HEADERS_TIMEOUT_MS / 1000} s for headers, ${REQUEST_TIMEOUT_MS / 1000} s for a whole request (not Node's five minutes)`, () => {
    assert.equal(server.headersTimeout, HEADERS_TIMEOUT_MS);
    assert.equal(server.requestTimeout, REQUEST_TIMEOUT_MS);
    assert.ok(REQUEST_TIMEOUT_MS <= 30_000);
  });

  it('50 senders that declare a megabyte and send nothing hold nothing: a real webhook is stored while they all still wait', async () => {
    const idle = await Promise.all(Array.from({ length: 50 }, () => new Promise((resolve, reject) => {
      const socket = net.connect(server.address().port, '127.0.0.1', () => {
        socket.write(`POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${MAX_BODY_BYTES}\r\n\r\n`);
        resolve(socket);
      });
      socket.on('error', reject);
    })));
    try {
      await new Promise((resolve) => setTimeout(resolve, 100)); // let the server take all 50 in
      assert.equal(server.inboxStats().receivingBytes, 0, 'nothing reserved for bytes that never came');
      const started = performance.now();
      const marker = `real-${Math.random()}`;
      assert.equal((await post(JSON.stringify({ marker }))).status, 200);
      const stored = await (await get('/webhooks')).json();
      const took = performance.now() - started;
      assert.equal(JSON.parse(stored.at(-1).body).marker, marker);
      assert.ok(idle.every((socket) => !socket.destroyed && socket.readyState === 'open'), 'stored while every idle sender was still connected');
      console.log(`a webhook stored and listed in ${took.toFixed(1)} ms beside 50 idle senders of ${MAX_BODY_BYTES} declared bytes (budget ${MAX_RECEIVING_BYTES})`);
    } finally {
      for (const socket of idle) socket.destroy();
    }
  });

  it('counts received bytes, not declared ones, toward the forced garbage collection', async () => {
    let collections = 0;
    const counting = createServer({ collectGarbage: () => collections++ });
    await new Promise((resolve) => counting.listen(0, '127.0.0.1', resolve));
    try {
      // 40 senders declare 1 MB each (40 MB, over the 16 MB that triggers a collection), send
      // ten bytes and go away.
      await Promise.all(Array.from({ length: 40 }, () => new Promise((resolve) => {
        const socket = net.connect(counting.address().port, '127.0.0.1', () => {
          socket.write(`POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: ${MAX_BODY_BYTES}\r\n\r\n{"a":"b"  `);
          setTimeout(() => socket.destroy(), 50);
        });
        socket.on('close', resolve);
      })));
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(collections, 0);
      assert.equal(counting.inboxStats().receivingBytes, 0, 'what they held is released');
    } finally {
      await new Promise((resolve) => counting.close(resolve));
    }
  });

  it('swaps the token in the URL for an HttpOnly, SameSite=Strict cookie, and drops it from the URL', async () => {
    const response = await fetch(`${origin}/?token=${server.token}&tab=inbox`, { redirect: 'manual' });
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/?tab=inbox');
    const set = response.headers.get('set-cookie');
    assert.match(set, new RegExp(`^allpass-inbox-${server.address().port}=${server.token};`));
    assert.match(set, /; HttpOnly/);
    assert.match(set, /; SameSite=Strict/);
    assert.match(set, /; Path=\//);
    const page = await fetch(`${origin}/`, { headers: { cookie: set.split(';')[0] } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Allpass webhook decrypter/);
  });

  it(`keeps at most ${MAX_STORED_BYTES / 1024 / 1024} MB of webhooks, whatever their number`, async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(MAX_BODY_BYTES - 20) });
    for (let i = 0; i < MAX_STORED_BYTES / MAX_BODY_BYTES + 4; i++) assert.equal((await post(big)).status, 200);
    const stats = server.inboxStats();
    assert.ok(stats.storedBytes <= MAX_STORED_BYTES, `${stats.storedBytes} bytes stored`);
    assert.ok(stats.stored < MAX_STORED / 2, `${stats.stored} stored`);
    const stored = await (await get('/webhooks')).json();
    assert.equal(stored.reduce((sum, item) => sum + item.body.length, 0), stats.storedBytes);
    assert.equal(stored.at(-1).body, big, 'the newest kept');
  });

  it('drops an event-stream subscriber that stops reading, and keeps one that reads', async () => {
    // A subscriber that never reads: a raw socket, paused as soon as the headers are in.
    const stalled = await new Promise((resolve, reject) => {
      const request = http.get(`${origin}/events`, { headers: { cookie } }, (response) => {
        response.pause();
        resolve({ request, response });
      });
      request.on('error', reject);
    });
    const controller = new AbortController();
    const reader = (await get('/events', { signal: controller.signal })).body.getReader();
    let readBytes = 0;
    const reading = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          readBytes += value.length;
        }
      } catch {
        // aborted at the end of the test
      }
    })();
    assert.equal(server.inboxStats().subscribers, 2);
    const before = server.inboxStats().droppedSubscribers;
    const body = JSON.stringify({ pad: 'y'.repeat(256 * 1024) });
    let posts = 0;
    // Bounded: the kernel's socket buffers take a few MB, then the server's own buffer fills.
    while (server.inboxStats().droppedSubscribers === before && posts < 400) {
      assert.equal((await post(body)).status, 200);
      posts++;
    }
    assert.equal(server.inboxStats().droppedSubscribers, before + 1, `dropped after ${posts} webhooks of 256 KB`);
    assert.equal(server.inboxStats().subscribers, 1, 'the reading subscriber is still there');
    assert.ok(readBytes > 0);
    assert.ok(MAX_UNSENT_BYTES <= 1024 * 1024, 'the limit is small');
    controller.abort();
    await reading;
    stalled.request.destroy();
  });
});
