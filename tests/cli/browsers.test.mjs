// The page from `allpass-crypto serve` (installed tarball) and the package's browser build without
// a bundler, in the two engines besides Chromium: Firefox (Debian firefox-esr, puppeteer-core over
// WebDriver BiDi) and WebKit (Debian webkit2gtk-driver: WebKitWebDriver driving MiniBrowser under
// Xvfb, plain W3C WebDriver over HTTP). .ci/setup-browsers installs them.
//
// Both engines are driven the same way, through script run in the page (set a field, click,
// read), so one list of checks runs in each.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';
import * as ref from '../node/reference.mjs';
import { REPO, install, runCli, startServe } from './installed.mjs';

const MINIBROWSER = ['/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser', '/usr/lib/aarch64-linux-gnu/webkit2gtk-4.1/MiniBrowser'].find(existsSync);
const MISSING = 'not installed: run .ci/setup-browsers (Debian firefox-esr, webkit2gtk-driver, xvfb)';

/** Firefox through puppeteer-core (WebDriver BiDi). */
async function firefox() {
  assert.ok(existsSync('/usr/bin/firefox-esr'), `firefox-esr ${MISSING}`);
  const browser = await puppeteer.launch({ browser: 'firefox', executablePath: '/usr/bin/firefox-esr', headless: true });
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  return {
    version: await browser.version(),
    goto: (url) => page.goto(url),
    run: (fn, ...args) => page.evaluate(fn, ...args),
    errors: () => errors,
    close: () => browser.close(),
  };
}

/** WebKit: WebKitWebDriver (under xvfb-run) starting MiniBrowser --automation; W3C WebDriver. */
async function webkit() {
  assert.ok(MINIBROWSER, `MiniBrowser ${MISSING}`);
  // Port 0 is not accepted: take a free one from the kernel, then hand it over.
  const probe = http.createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = probe.address().port;
  await new Promise((resolve) => probe.close(resolve));
  const driver = spawn('xvfb-run', ['-a', 'WebKitWebDriver', `--port=${port}`], { stdio: 'ignore', detached: true });
  const exited = new Promise((resolve) => driver.on('exit', resolve));
  const base = `http://127.0.0.1:${port}`;
  const call = async (method, path, body) => {
    const response = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
    const { value } = await response.json();
    if (!response.ok) throw new Error(`WebDriver ${path}: ${value?.error}: ${value?.message}`);
    return value;
  };
  let ready = false;
  for (let attempt = 0; attempt < 300 && !ready; attempt++) {
    ready = await fetch(`${base}/status`).then((response) => response.ok, () => false);
    if (!ready) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(ready, 'WebKitWebDriver started');
  const session = await call('POST', '/session', {
    capabilities: { alwaysMatch: { browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] } } },
  });
  const id = session.sessionId;
  return {
    version: `MiniBrowser (WebKitGTK) ${session.capabilities.browserVersion}`,
    goto: (url) => call('POST', `/session/${id}/url`, { url }),
    // An async script: the function's result (or error) comes back through the callback.
    run: async (fn, ...args) => {
      const script = `const done = arguments[arguments.length - 1];
        Promise.resolve().then(() => (${fn})(...Array.prototype.slice.call(arguments, 0, -1)))
          .then((value) => done({ value }), (error) => done({ error: String(error && error.stack || error) }));`;
      const result = await call('POST', `/session/${id}/execute/async`, { script, args });
      if (result.error) throw new Error(result.error);
      return result.value;
    },
    errors: () => [],
    close: async () => {
      await call('DELETE', `/session/${id}`).catch(() => {});
      try {
        process.kill(-driver.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await exited;
    },
  };
}

// ---- in-page helpers (run inside the browser: no closures over test variables) ----------------
const ready = () => new Promise((resolve, reject) => {
  let tries = 0;
  (function poll() {
    if (document.body?.dataset.ready === 'true') return resolve(location.href);
    if (++tries > 600) return reject(new Error(`the page never became ready: ${document.title}`));
    setTimeout(poll, 50);
  })();
});
const act = (steps) => {
  const byTestId = (id) => document.querySelector(`[data-testid="${id}"]`);
  for (const [kind, id, value] of steps) {
    const element = byTestId(id);
    if (!element) throw new Error(`no element ${id}`);
    if (kind === 'fill') {
      element.value = value;
      element.dispatchEvent(new Event('input', { bubbles: true }));
    } else {
      element.click();
    }
  }
  return true;
};
const read = (ids) => Object.fromEntries(ids.map((id) => {
  const element = document.querySelector(`[data-testid="${id}"]`);
  return [id, { text: element?.textContent ?? null, value: element?.value ?? null, code: element?.dataset.code ?? null, hidden: element ? element.closest('[hidden]') !== null : null }];
}));
/** Waits for an inbox item whose text has `needle` and whose forward line has `status`. */
const inboxItem = (needle, status) => new Promise((resolve, reject) => {
  let tries = 0;
  (function poll() {
    const item = [...document.querySelectorAll('[data-testid="inbox"] li')].find((li) => li.textContent.includes(needle));
    const forward = item?.querySelector(`[data-testid="forward"][data-status="${status}"]`);
    if (item && forward) return resolve({ className: item.className, forward: forward.textContent, text: item.textContent });
    if (++tries > 600) return reject(new Error(`no inbox item with ${needle} forwarded with ${status}: ${document.querySelector('[data-testid="inbox"]').textContent}`));
    setTimeout(poll, 50);
  })();
});
const noBundlerResult = () => new Promise((resolve, reject) => {
  let tries = 0;
  (function poll() {
    if (window.__result !== undefined) return resolve(window.__result);
    if (++tries > 600) return reject(new Error('the no-bundler page never set window.__result'));
    setTimeout(poll, 50);
  })();
});

/** The .wasm files the page fetched. */
const wasmFetched = () => performance.getEntriesByType('resource').map((entry) => entry.name.split('/').pop()).filter((name) => name.endsWith('.wasm'));

// ---- the checks, per engine ---------------------------------------------------------------------
let installed;
let staticServer;
let staticOrigin;
const key = ref.randomKey();
// Non-ASCII on both sides of a long ASCII stretch: the decrypted text reaches the engine's
// JavaScript in pieces joined by String#concat (wasm/src/text_pieces.rs).
const payload = { event: 'verification.completed', applicant: { name: 'Zoë Åström', city: 'Łódź' }, notes: 'Document checked; face match 0.98. '.repeat(60), score: 0.97 };
// Text encrypted as is (tests/runtimes/run.mjs): long, a lone surrogate and an emoji in it.
const text = `${payload.notes}Zoë \ud800 😀 ${payload.notes}€`;

before(async () => {
  installed = install();
  // The runtime matrix's "browser without a bundler" page, over the consumer project.
  const consumer = join(REPO, 'tests/runtimes/consumer');
  for (const name of ['no-bundler.html', 'conformance.mjs']) cpSync(join(consumer, name), join(installed.dir, name));
  writeFileSync(join(installed.dir, 'vector.json'), JSON.stringify({ key, payload, text, sealed: ref.encryptData(payload, key) }));
  const { staticFile } = await import(pathToFileURL(join(installed.pkg, 'bin/inbox-server.mjs')).href);
  staticServer = http.createServer(async (request, response) => {
    const file = await staticFile(installed.dir, new URL(request.url, 'http://x').pathname).catch(() => null);
    if (!file) return response.writeHead(404).end();
    response.writeHead(200, { 'content-type': file.type }).end(file.body);
  });
  await new Promise((resolve) => staticServer.listen(0, '127.0.0.1', resolve));
  staticOrigin = `http://127.0.0.1:${staticServer.address().port}`;
});
after(async () => {
  await new Promise((resolve) => staticServer?.close(resolve) ?? resolve());
  installed?.remove();
});

for (const [engine, launch] of [['Firefox', firefox], ['WebKit', webkit]]) {
  describe(engine, () => {
    let browser;
    let serve;
    let endpoint;
    const forwarded = [];
    before(async () => {
      browser = await launch();
      endpoint = http.createServer((request, response) => {
        request.resume();
        request.on('end', () => {
          forwarded.push(request.url);
          response.writeHead(200).end();
        });
      });
      await new Promise((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
      serve = await startServe(installed.bin, ['--forward-to', `http://127.0.0.1:${endpoint.address().port}/hook`]);
    });
    after(async () => {
      await browser?.close();
      await serve?.stop();
      await new Promise((resolve) => endpoint?.close(resolve) ?? resolve());
    });

    it('opens the page from the printed URL (token swapped for a cookie) and decrypts a node:crypto webhook', async () => {
      process.stdout.write(`# ${engine}: ${browser.version}\n`);
      await browser.goto(serve.url);
      assert.equal(await browser.run(ready), `${serve.origin}/`);
      const envelope = JSON.stringify({ status: true, statusCode: 200, data: ref.encryptData(payload, key), time: new Date().toISOString() });
      await browser.run(act, [['click', 'tab-decrypt'], ['fill', 'key', key], ['fill', 'input', envelope], ['click', 'decrypt']]);
      const shown = await browser.run(read, ['detected', 'output', 'error', 'envelope-fields']);
      assert.match(shown.detected.text, /webhook envelope/);
      for (const text of ['verification.completed', 'Zoë Åström', '0.97']) assert.ok(shown.output.text.includes(text), text);
      assert.match(shown['envelope-fields'].text, /statusCode200/);
      assert.equal(shown.error.hidden, true);
    });

    it('explains errors by code', async () => {
      const data = ref.encryptData(payload, key);
      // A bare data string decrypts to text: use a wrong key that node:crypto refuses too (about
      // 1 wrong key in 256 passes the padding check and gives garbage, as in Node).
      let wrong;
      do wrong = ref.randomKey(); while (!ref.outcome(() => ref.decryptData(data, wrong)).thrown);
      for (const [keyText, input, code] of [[wrong, data, 'DECRYPT_FAILED'], [key, Buffer.from(data, 'hex').toString('base64'), 'INVALID_CIPHERTEXT'], [data, key, 'INVALID_KEY']]) {
        await browser.run(act, [['fill', 'key', keyText], ['fill', 'input', input], ['click', 'decrypt']]);
        const { error } = await browser.run(read, ['error']);
        assert.equal(error.code, code);
        assert.equal(error.hidden, false);
      }
    });

    it('encrypts what node:crypto decrypts', async () => {
      const text = '{"event":"round-trip","text":"€ 😀"}';
      await browser.run(act, [['fill', 'key', key], ['click', 'tab-encrypt'], ['fill', 'encrypt-input', text], ['click', 'encrypt']]);
      const { ciphertext } = await browser.run(read, ['ciphertext']);
      assert.equal(ref.decryptData(ciphertext.value, key), text);
    });

    it('shows a webhook from `allpass-crypto send` in the inbox, decrypted, with the forward status', async () => {
      await browser.run(act, [['fill', 'key', key], ['click', 'tab-inbox']]);
      const applicant = `applicant-${engine}`;
      const sent = await runCli(installed.bin, ['send', '--to', `${serve.origin}/webhook`, '--event', 'applicantApproved', '--applicant', applicant], { env: { ALLPASS_KEY: key } });
      assert.equal(sent.status, 0, sent.err);
      const item = await browser.run(inboxItem, applicant, 200);
      assert.equal(item.className, 'ok');
      assert.match(item.forward, /forwarded to .*\/hook: 200 in \d+ ms/);
      assert.ok(forwarded.length >= 1);
      assert.deepEqual(browser.errors(), []);
    });

    it('runs the package without a bundler (the runtime matrix page): identical to node:crypto', async () => {
      await browser.goto(`${staticOrigin}/no-bundler.html`);
      const result = await browser.run(noBundlerResult);
      assert.equal(result.decrypted, JSON.stringify(payload));
      assert.equal(ref.decryptData(result.encrypted, key), JSON.stringify(payload));
      assert.deepEqual(result.webhook, payload);
      assert.equal(result.cipherDecrypted, JSON.stringify(payload));
      assert.equal(ref.decryptData(result.encryptedText, key), Buffer.from(text, 'utf8').toString('utf8'));
      assert.equal(result.badKey, 'Error INVALID_KEY');
      for (const name of ['AllpassCipher', 'createWebhook', 'decryptData', 'encryptData', 'generateKey', 'isAllpassError', 'parseWebhook']) assert.ok(result.runtimeKeys.includes(name), name);
      // `init()` fetched the package's one module, once.
      assert.deepEqual(await browser.run(wasmFetched), ['allpass_crypto_bg.wasm']);
    });
  });
}
