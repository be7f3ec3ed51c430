// A Vite 7 server-rendered React app (./vite-ssr-app, copied into a fresh folder) with the
// packed tarball installed: `vite build` for the browser and `vite build --ssr` for the server
// (the package bundled into it), served by node:http on 127.0.0.1. One component that calls
// decryptData after `await init()` renders on the server (the Node entry, where init is a no-op)
// and hydrates in Chromium (the browser entry, fetching the .wasm Vite emitted) without a
// mismatch. The folder is made under this directory so Vite finds react in node_modules here.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { basename, extname, join, normalize } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, it } from 'node:test';
import { chromium } from 'playwright-core';
import { CHROMIUM } from '../chromium.mjs';
import { here, ref, request, tarball } from './harness.mjs';

const VITE = join(here, 'node_modules/vite/bin/vite.js');
const key = ref.randomKey();
const payload = { greeting: 'Zoë Åström ✓', id: 'applicant-2' };
let app;
let server;
let origin;
let browser;

before(async () => {
  mkdirSync(join(here, '.vite-work'), { recursive: true });
  app = mkdtempSync(join(here, '.vite-work/app-'));
  cpSync(join(here, 'vite-ssr-app'), app, { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'vite-consumer', private: true, type: 'module' }));
  const copy = join(app, basename(tarball));
  copyFileSync(tarball, copy);
  execFileSync('npm', ['install', '--silent', '--no-audit', '--no-fund', '--no-package-lock', copy], { cwd: app, stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync(process.execPath, [VITE, 'build', '--outDir', 'dist/client'], { cwd: app, stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync(process.execPath, [VITE, 'build', '--ssr', 'src/entry-server.jsx', '--outDir', 'dist/server'], { cwd: app, stdio: ['ignore', 'ignore', 'inherit'] });
  assert.ok(readdirSync(join(app, 'dist/client/assets')).some((name) => name.endsWith('.wasm')), 'Vite emitted the .wasm for the browser');
  const serverCode = readFileSync(join(app, 'dist/server/entry-server.js'), 'utf8');
  assert.doesNotMatch(serverCode, /from ["']allpass-crypto["']/, 'the package is bundled into the server build');

  const { render } = await import(pathToFileURL(join(app, 'dist/server/entry-server.js')).href);
  const template = readFileSync(join(app, 'dist/client/index.html'), 'utf8');
  const types = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
  server = http.createServer(async (req, res) => {
    try {
      if (req.url === '/') {
        const props = { sealed: ref.encryptData(payload, key), secret: key };
        const html = template.replace('<!--app-->', await render(props)).replace('<!--props-->', JSON.stringify(props));
        return res.writeHead(200, { 'content-type': 'text/html' }).end(html);
      }
      if (req.url === '/favicon.ico') return res.writeHead(204).end();
      const path = normalize(join(app, 'dist/client', new URL(req.url, 'http://x').pathname));
      if (!path.startsWith(join(app, 'dist/client'))) return res.writeHead(404).end();
      const bytes = readFileSync(path);
      res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(bytes);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
}, { timeout: 300_000 });

after(async () => {
  await browser?.close();
  server?.closeAllConnections();
  server?.close();
  if (app) rmSync(app, { recursive: true, force: true });
});

it('Vite SSR: the component renders on the server, decrypting in Node', async () => {
  const page = await request(`${origin}/`, { method: 'GET' });
  assert.equal(page.status, 200);
  const text = page.body.toString('utf8').match(/<p id="decrypted" data-hydrated="no">([^<]*)<\/p>/)?.[1];
  assert.equal(text?.replaceAll('&quot;', '"'), JSON.stringify(payload));
});

it('Vite SSR: the same component hydrates in Chromium, without a mismatch, after init() fetched the .wasm', async () => {
  browser = await chromium.launch(CHROMIUM);
  const tab = await browser.newPage();
  const errors = [];
  tab.on('pageerror', (error) => errors.push(String(error)));
  tab.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  await tab.goto(`${origin}/`);
  await tab.waitForSelector('#decrypted[data-hydrated="yes"]', { timeout: 60_000 });
  assert.equal(await tab.textContent('#decrypted'), JSON.stringify(payload));
  assert.deepEqual(errors, []);
  const fetched = await tab.evaluate(() => performance.getEntriesByType('resource').map((entry) => entry.name).filter((name) => name.endsWith('.wasm')));
  assert.equal(fetched.length, 1, `fetched ${fetched.join(', ')}`);
});
