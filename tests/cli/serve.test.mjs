// `allpass-crypto serve` from the installed tarball, as a real process: the page's whole browser
// suite (page-suite.mjs) against it, then the inbox receiving `allpass-crypto send`,
// and --forward-to reaching a local endpoint that answers 200 and one that answers 500, both shown
// in the page.
import { it, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ref from '../node/reference.mjs';
import { pageSuite } from './page-suite.mjs';
import { install, runCli, startServe } from './installed.mjs';

const ARTIFACTS = new URL('../.artifacts/', import.meta.url);
mkdirSync(ARTIFACTS, { recursive: true });

/** A local endpoint that records what it receives and answers `status`. */
async function endpoint(status) {
  const received = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => { body += chunk; });
    request.on('end', () => {
      received.push({ method: request.method, type: request.headers['content-type'], body });
      response.writeHead(status, { 'content-type': 'text/plain' }).end(String(status));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/allpass/webhook`, received, close: () => new Promise((resolve) => server.close(resolve)) };
}

let installed;
let ok;
let serve;
after(() => installed?.remove());

pageSuite('`allpass-crypto serve` from the installed tarball', async () => {
  installed = install();
  ok = await endpoint(200);
  serve = await startServe(installed.bin, ['--forward-to', ok.url]);
  return {
    origin: serve.origin,
    url: serve.url,
    stop: async () => {
      assert.equal(await serve.stop(), 0, 'serve exits 0 on SIGTERM');
      await ok.close();
    },
  };
}, (context) => {
  const key = ref.randomKey();
  const send = (origin, applicant) => runCli(installed.bin, ['send', '--to', `${origin}/webhook`, '--event', 'applicantApproved', '--applicant', applicant], { env: { ALLPASS_KEY: key } });

  it('answers strangers on POST /webhook only', async () => {
    for (const path of ['/', '/webhooks', '/events', '/app.js', '/dist/web/allpass_crypto_bg.wasm']) {
      assert.equal((await fetch(`${serve.origin}${path}`)).status, 401, path);
    }
  });

  it('shows a webhook from `allpass-crypto send`, decrypted, forwarded unchanged to an endpoint that answered 200', async () => {
    const { page, byTestId } = context();
    await byTestId('key').fill(key);
    await byTestId('tab-inbox').click();
    const sent = await send(serve.origin, 'applicant-forwarded-200');
    assert.equal(sent.status, 0, sent.err);
    assert.equal(sent.out, '200 OK\n');
    const item = byTestId('inbox').locator('li', { hasText: 'applicant-forwarded-200' });
    await assert.doesNotReject(item.locator('[data-testid="forward"][data-status="200"]').waitFor());
    assert.match(await item.getByTestId('forward').textContent(), new RegExp(`forwarded to ${ok.url}: 200 in \\d+ ms`));
    assert.equal(await item.getAttribute('class'), 'ok', 'decrypted in the page');
    // Unchanged: the endpoint got the very body the inbox stored.
    const stored = await page.evaluate(async () => (await fetch('/webhooks')).json());
    const last = ok.received.at(-1);
    assert.equal(last.method, 'POST');
    assert.equal(last.type, 'application/json');
    assert.ok(stored.some((webhook) => webhook.body === last.body), 'the forwarded body is byte-identical to the received one');
    assert.equal(JSON.parse(ref.decryptData(JSON.parse(last.body).data, key)).id, 'applicant-forwarded-200');
    assert.match(serve.output(), /forwarded to .*: 200 in \d+ ms/);
    assert.ok(!serve.output().includes(key), 'the server never sees the key');
    await page.setViewportSize({ width: 1000, height: 760 });
    await item.scrollIntoViewIfNeeded();
    await page.screenshot({ path: new URL('inbox-forwarded.png', ARTIFACTS).pathname });
  });

  it('shows the status of an endpoint that answered 500', async () => {
    const { page, byTestId } = context();
    const failing = await endpoint(500);
    const other = await startServe(installed.bin, ['--forward-to', failing.url]);
    try {
      await page.goto(other.url);
      await page.waitForSelector('body[data-ready="true"]');
      await byTestId('key').fill(key);
      await byTestId('tab-inbox').click();
      const sent = await send(other.origin, 'applicant-forwarded-500');
      assert.equal(sent.status, 0, sent.err);
      const item = byTestId('inbox').locator('li', { hasText: 'applicant-forwarded-500' });
      await assert.doesNotReject(item.locator('[data-testid="forward"][data-status="500"]').waitFor());
      assert.match(await item.getByTestId('forward').textContent(), /: 500 in \d+ ms/);
      assert.equal(failing.received.length, 1);
    } finally {
      assert.equal(await other.stop(), 0);
      await failing.close();
    }
  });

  it('works as plain static files too (any static server over the package): decrypts, says there is no inbox', async () => {
    const { page, byTestId } = context();
    const { staticFile } = await import(pathToFileURL(join(installed.pkg, 'bin/inbox-server.mjs')).href);
    const plain = http.createServer(async (request, response) => {
      const file = await staticFile(installed.pkg, new URL(request.url, 'http://x').pathname).catch(() => null);
      if (!file) return response.writeHead(404).end();
      response.writeHead(200, { 'content-type': file.type }).end(file.body);
    });
    await new Promise((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      await page.goto(`http://127.0.0.1:${plain.address().port}/www/index.html`);
      await page.waitForSelector('body[data-ready="true"]');
      await byTestId('key').fill(key);
      await byTestId('input').fill(ref.encryptData({ plain: 'static' }, key));
      await byTestId('decrypt').click();
      assert.match(await byTestId('output').textContent(), /static/);
      await byTestId('tab-inbox').click();
      await assert.doesNotReject(page.getByText('No inbox here').waitFor());
    } finally {
      await new Promise((resolve) => plain.close(resolve));
    }
  });

  it('exit 1 when the port is taken', async () => {
    const result = await runCli(installed.bin, ['serve', '--port', new URL(serve.origin).port]);
    assert.equal(result.status, 1);
    assert.match(result.err, /^EADDRINUSE: .*\nfix: pass another --port/);
  });
});
