// The browser run: bundles browser/page.mjs with esbuild (the package's web build from the
// packed tarball, its .wasm as a file URL, as the README's esbuild note says), serves it from a
// tiny node:http server on 127.0.0.1 and runs it in headless Chromium (Debian's
// /usr/bin/chromium, driven by playwright-core). Used by bench.mjs.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';

const here = fileURLToPath(new URL('.', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm' };

export const chromiumVersion = () => execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).split('\n')[0].replace(/ built on.*/, '').trim();

/** Serves the files of `root` (flat: no subfolders), cross-origin isolated so that
 * `performance.now()` has its finest resolution. */
async function serve(root) {
  const files = new Set(readdirSync(root));
  const server = http.createServer((request, response) => {
    const name = new URL(request.url, 'http://x').pathname.slice(1) || 'index.html';
    if (!files.has(name)) return response.writeHead(404).end();
    response
      .writeHead(200, {
        'content-type': TYPES[extname(name)] ?? 'application/octet-stream',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
        'cache-control': 'no-store',
      })
      .end(readFileSync(join(root, name)));
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  return { origin: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((done) => server.close(done)) };
}

/** Serves `outDir` and loads its index.html in headless Chromium; the page's `window.__result`. */
async function runPage(outDir, log) {
  writeFileSync(join(outDir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>allpass-crypto bench</title><link rel="icon" href="data:,"><script type="module" src="./page.js"></script>\n');
  const server = await serve(outDir);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('console', (message) => (message.type() === 'error' ? errors.push(message.text()) : log(message.text())));
    await page.goto(`${server.origin}/index.html`);
    await page.waitForFunction(() => window.__result !== undefined || window.__failure !== undefined, null, { timeout: 30 * 60_000, polling: 1000 });
    const failure = await page.evaluate(() => window.__failure);
    assert.equal(failure, undefined, `the browser run failed: ${failure}`);
    assert.deepEqual(errors, [], 'errors in the page');
    return await page.evaluate(() => window.__result);
  } finally {
    await browser.close();
    await server.close();
  }
}

const BUILD = { bundle: true, format: 'esm', platform: 'browser', target: 'es2022', loader: { '.wasm': 'file' }, assetNames: '[name]-[hash]', logLevel: 'warning' };

function freshDir(dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}

/**
 * The workload page (browser/page.mjs). `vectors`: [{ label, size, json, sealed }] made with
 * node:crypto under `key`; `log` gets the page's progress lines.
 */
export async function runBrowser({ consumer, outDir, key, vectors, rounds, timeMs, log = () => {} }) {
  freshDir(outDir);
  await esbuild.build({
    ...BUILD,
    entryPoints: { page: join(here, 'browser/page.mjs') },
    outdir: outDir,
    // `allpass-crypto` from the packed tarball installed in the consumer project.
    nodePaths: [resolve(consumer, 'node_modules')],
  });
  writeFileSync(join(outDir, 'vectors.json'), JSON.stringify({ key, vectors, rounds, timeMs }));
  return runPage(outDir, log);
}

/** The engine micro-benchmark (browser/engines.mjs) over the bench-only module's web build
 * in `benchWebDir` (allpass_bench.js and its .wasm). */
export async function runBrowserEngines({ benchWebDir, outDir, log = () => {} }) {
  freshDir(outDir);
  const module = JSON.stringify(join(benchWebDir, 'allpass_bench.js'));
  await esbuild.build({
    ...BUILD,
    stdin: {
      contents: [
        `import init, * as bench from ${module};`,
        `import wasmUrl from ${JSON.stringify(join(benchWebDir, 'allpass_bench_bg.wasm'))};`,
        `import { runEngines } from ${JSON.stringify(join(here, 'browser/engines.mjs'))};`,
        'runEngines(init, wasmUrl, bench);',
      ].join('\n'),
      resolveDir: here,
      sourcefile: 'engines-entry.mjs',
    },
    outfile: join(outDir, 'page.js'),
  });
  return runPage(outDir, log);
}
