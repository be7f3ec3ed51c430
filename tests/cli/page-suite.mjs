// The debugging page's tests in real headless Chromium (Debian's, driven by playwright-core):
// decrypting, encrypting, every error explained, the live inbox, and the promises the page makes
// (no request leaves the origin, no console errors, phone width). Run once, against
// `allpass-crypto serve` from the installed tarball (serve.test.mjs), which serves the page with
// the package's own server (bin/inbox-server.mjs; its limits: tests/e2e/server.test.mjs).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { CHROMIUM } from '../chromium.mjs';
import * as ref from '../node/reference.mjs';

/**
 * Registers the page's tests. `start()` resolves to { origin, url, stop }: `url` carries the
 * inbox token; `hooks.after(page, context)` runs extra checks on the same page before it closes.
 */
export function pageSuite(name, start, extra) {

const ARTIFACTS = new URL('../.artifacts/', import.meta.url);
mkdirSync(ARTIFACTS, { recursive: true });

const key = ref.randomKey();
const payload = { event: 'verification.completed', applicant: { name: 'Zoë Åström', documents: ['passport', 'selfie'] }, score: 0.97 };
const data = ref.encryptData(payload, key);
const minutesAgo = new Date(Date.now() - 3 * 60_000).toISOString();
const envelope = JSON.stringify({ status: true, statusCode: 200, data, time: minutesAgo });

let server;
let origin;
let browser;
let page;
const requests = [];
const consoleErrors = [];

before(async () => {
  server = await start();
  origin = server.origin;
  browser = await chromium.launch(CHROMIUM);
  page = await browser.newPage();
  page.on('request', (request) => requests.push(request.url()));
  page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  // The printed URL carries the token; the server swaps it for a cookie and drops it from the URL.
  await page.goto(server.url);
  assert.equal(page.url(), `${origin}/`);
  await page.waitForSelector('body[data-ready="true"]');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function open() {
  await page.goto(origin);
  await page.waitForSelector('body[data-ready="true"]');
}
const byTestId = (id) => page.getByTestId(id);
async function decrypt(keyText, inputText) {
  await byTestId('tab-decrypt').click();
  await byTestId('key').fill(keyText);
  await byTestId('input').fill(inputText);
  await byTestId('decrypt').click();
}

describe(name, () => {
  it('decrypts a webhook made by node:crypto, with the envelope fields and the age', async () => {
    await decrypt(key, envelope);
    await assert.doesNotReject(byTestId('output').waitFor());
    assert.match(await byTestId('detected').textContent(), /webhook envelope/);
    const output = await byTestId('output').textContent();
    for (const text of ['verification.completed', 'Zoë Åström', 'passport', '0.97']) assert.ok(output.includes(text), text);
    const fields = await byTestId('envelope-fields').textContent();
    assert.match(fields, /statusCode200/);
    assert.match(fields, /3 minutes ago/);
    assert.equal(await byTestId('error').isHidden(), true);
    await page.screenshot({ path: new URL('decrypted.png', ARTIFACTS).pathname, fullPage: true });
  });

  it('takes a bare data string, an envelope with whitespace around it, and uppercase hex', async () => {
    await decrypt(key, `  ${data.toUpperCase()}\n`);
    assert.match(await byTestId('detected').textContent(), /bare encrypted data string.*whitespace is ignored/);
    assert.match(await byTestId('output').textContent(), /verification\.completed/);
    await decrypt(`\n${key} `, `\n\n${envelope}\n`);
    assert.match(await byTestId('output').textContent(), /verification\.completed/);
  });

  it('encrypts, shows the envelope and a curl command, and decrypts it back', async () => {
    await byTestId('key').fill(key);
    await byTestId('tab-encrypt').click();
    await byTestId('encrypt-input').fill('{"event":"round-trip","n":[1,2,3],"text":"€ 😀"}');
    await byTestId('encrypt').click();
    const ciphertext = await byTestId('ciphertext').inputValue();
    assert.equal(ref.decryptData(ciphertext, key), '{"event":"round-trip","n":[1,2,3],"text":"€ 😀"}');
    const shown = JSON.parse(await byTestId('envelope').inputValue());
    assert.equal(shown.data, ciphertext);
    assert.equal(shown.statusCode, 200);
    const curl = await byTestId('curl').inputValue();
    assert.match(curl, new RegExp(`^curl -X POST '${origin}/webhook'`));
    assert.ok(curl.includes(ciphertext));
    await byTestId('open-encrypted').click();
    assert.match(await byTestId('output').textContent(), /round-trip/);
  });

  it('explains every error', async () => {
    const base64Key = Buffer.from(key, 'hex').toString('base64');
    const tampered = data.slice(0, -2) + (data.endsWith('00') ? '11' : '00');
    const cases = [
      ['key too short', key.slice(0, 62), envelope, 'INVALID_KEY', /wrong length/],
      ['base64 key', base64Key, envelope, 'INVALID_KEY', /base64-encoded/],
      ['arguments swapped', data, key, 'INVALID_KEY', /look swapped/],
      ['wrong key', ref.randomKey(), envelope, 'DECRYPT_FAILED', /key does not match this payload/],
      ['tampered payload', key, tampered, 'DECRYPT_FAILED', /key does not match this payload/],
      ['base64 payload', key, Buffer.from(data, 'hex').toString('base64'), 'INVALID_CIPHERTEXT', /looks like base64/],
      ['truncated payload', key, data.slice(0, -3), 'INVALID_CIPHERTEXT', /not hex\(IV\) \+ hex\(ciphertext\)/],
      ['broken JSON', key, '{"status":true,', 'INVALID_JSON', /not valid JSON/],
      ['JSON that is not an envelope', key, '{"status":true,"statusCode":200}', 'INVALID_ENVELOPE', /not an Allpass webhook envelope/],
      ['nothing pasted', key, '', 'INVALID_ARGUMENT', /wrong type|Paste/],
    ];
    for (const [name, keyText, inputText, code, cause] of cases) {
      await decrypt(keyText, inputText);
      const box = byTestId('error');
      await assert.doesNotReject(box.waitFor(), name);
      assert.equal(await box.getAttribute('data-code'), code, name);
      assert.match(await box.textContent(), cause, name);
      assert.equal(await page.locator('#result').isHidden(), true, `${name}: no stale result`);
    }
  });

  it('validates the key as it is typed, and generates one', async () => {
    const status = byTestId('key-status');
    await byTestId('key').fill('abc');
    assert.match(await status.textContent(), /✗.*3 hex characters, expected 64/);
    await byTestId('key').fill(Buffer.from(key, 'hex').toString('base64'));
    assert.match(await status.textContent(), /✗.*base64/);
    await byTestId('key').fill(`${key.slice(0, 10)}z${key.slice(11)}`);
    assert.match(await status.textContent(), /✗.*non-hex character at position 10/);
    await byTestId('key').fill(`  ${key}  `);
    assert.match(await status.textContent(), /✓.*whitespace ignored/);
    await byTestId('generate-key').click();
    assert.match(await byTestId('key').inputValue(), /^[0-9a-f]{64}$/);
    assert.match(await status.textContent(), /✓ Valid key/);
  });

  it('stores the key only when asked, and only in this tab', async () => {
    await byTestId('key').fill(key);
    await open();
    assert.equal(await byTestId('key').inputValue(), '', 'not remembered by default');
    await byTestId('key').fill(key);
    await page.getByLabel('remember in this tab').check();
    await open();
    assert.equal(await byTestId('key').inputValue(), key);
    assert.equal(await page.evaluate(() => localStorage.length), 0);
    await page.getByLabel('remember in this tab').uncheck();
    await open();
    assert.equal(await byTestId('key').inputValue(), '');
  });

  it('shows webhooks arriving at the inbox and decrypts them in the page', async () => {
    await byTestId('key').fill(key);
    await byTestId('tab-inbox').click();
    const live = ref.encryptData({ event: 'inbox.live', id: 42 }, key);
    const response = await fetch(`${origin}/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: true, statusCode: 200, data: live, time: new Date().toISOString() }),
    });
    assert.equal(response.status, 200);
    const item = byTestId('inbox').locator('li', { hasText: 'inbox.live' });
    await assert.doesNotReject(item.waitFor());
    await item.getByRole('button', { name: 'Open in Decrypt' }).click();
    assert.match(await byTestId('output').textContent(), /inbox\.live/);
    // Another key: the same webhook now shows why it does not decrypt.
    await byTestId('key').fill(ref.randomKey());
    await byTestId('tab-inbox').click();
    await assert.doesNotReject(byTestId('inbox').locator('li', { hasText: 'DECRYPT_FAILED' }).first().waitFor());
  });

  it('is usable from the keyboard and at phone width', async () => {
    await byTestId('tab-decrypt').focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.locator('#panel-encrypt').isVisible(), true);
    assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'tab-encrypt');
    await page.keyboard.press('ArrowLeft');
    await byTestId('key').focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'generate-key');
    for (const id of ['key', 'input', 'encrypt-input']) {
      assert.ok(await page.evaluate((testId) => document.querySelector(`[data-testid="${testId}"]`).labels.length > 0, id), `${id} has a label`);
    }
    await page.setViewportSize({ width: 375, height: 800 });
    await decrypt(key, envelope);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 375), 'no horizontal scrolling');
    await page.screenshot({ path: new URL('phone.png', ARTIFACTS).pathname, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('made no request outside its origin and logged no console error', () => {
    assert.ok(requests.length > 0);
    const foreign = requests.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('data:'));
    assert.deepEqual(foreign, []);
    assert.deepEqual(consoleErrors, []);
  });

  if (extra) extra(() => ({ page, origin, byTestId, open, requests, consoleErrors }));
});
}
