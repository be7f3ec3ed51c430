// Proves the packed tarball works in every runtime and tool we claim: installs it into a fresh
// consumer project, runs the same conformance smoke in each, checks every answer against
// node:crypto, and prints one PASS/FAIL line per runtime. A runtime that cannot run is a FAIL.
//
// Saves the README's "Works in" table from what this run measured (target/readme/works-in.md):
// `make docs` writes it into README.md, and `make test-readme` fails while README.md differs.
//
// Usage: node tests/runtimes/run.mjs <allpass-crypto-X.tgz> [node binary …]
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { CHROMIUM } from '../chromium.mjs';
import { Miniflare } from 'miniflare';
import * as ref from '../node/reference.mjs';
import { publicNames } from '../node/public-names.mjs';
import { forgetSection, saveSection } from '../../.ci/readme-section.mjs';
import { staticFile } from '../../pkg/bin/inbox-server.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const bin = (name) => join(here, 'node_modules/.bin', name);
const tarball = resolve(process.argv[2] ?? '');
const nodes = process.argv.length > 3 ? process.argv.slice(3) : [process.execPath];
const work = resolve(here, '../../target/runtimes');

// A fresh consumer project with the tarball installed, as a user would have it.
rmSync(work, { recursive: true, force: true });
cpSync(join(here, 'consumer'), work, { recursive: true });
writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
// The same typed consumer, compiled once as ESM (.mts) and once as CommonJS (.cts).
cpSync(join(work, 'typed.mts'), join(work, 'typed.cts'));
execFileSync('npm', ['install', '--silent', '--no-audit', '--no-fund', tarball], { cwd: work, stdio: 'inherit' });

// Every runtime must expose every public name (the installed package's own list: tests/node/public-names.mjs).
const { all: PUBLIC_NAMES } = await publicNames(join(work, 'node_modules/allpass-crypto'));

const key = ref.randomKey();
// Long enough, with non-ASCII on both sides of a long ASCII stretch, that the decrypted text
// reaches each runtime's JavaScript in pieces joined by String#concat (wasm/src/text_pieces.rs).
const payload = { event: 'verification.completed', applicant: { name: 'Zoë Åström', city: 'Łódź' }, notes: 'Document checked; face match 0.98. '.repeat(60), score: 0.97, reviewer: 'Nguyễn' };
// Text encrypted as is: over 1024 UTF-16 units, where Node and Bun copy it with Node's `Buffer`
// and other runtimes with `encodeInto`, with a lone surrogate (U+FFFD in UTF-8) and an emoji.
const text = `${payload.notes}Zoë \ud800 😀 ${payload.notes}€`;
const vector = { key, payload, text, sealed: ref.encryptData(payload, key) };
writeFileSync(join(work, 'vector.json'), JSON.stringify(vector));

/** Every runtime must return exactly what node:crypto says. */
function check(result) {
  assert.equal(result.decrypted, JSON.stringify(payload), 'decryptData of a node:crypto payload');
  assert.equal(ref.decryptData(result.encrypted, key), JSON.stringify(payload), 'node:crypto decrypts its encryptData');
  assert.deepEqual(result.webhook, payload, 'parseWebhook(createWebhook(x))');
  assert.equal(result.cipherDecrypted, JSON.stringify(payload), 'AllpassCipher');
  assert.equal(ref.decryptData(result.encryptedText, key), Buffer.from(text, 'utf8').toString('utf8'), 'encryptText as node:crypto');
  assert.equal(result.badKey, 'Error INVALID_KEY', 'a bad key throws an Error with code INVALID_KEY');
  assert.equal(result.init, 'function', 'the default export, init()');
  for (const name of PUBLIC_NAMES) {
    assert.ok(result.runtimeKeys.includes(name), `exports ${name}`);
  }
}

const run = (command, args, options = {}) => execFileSync(command, args, { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options }).trim();
const lastJson = (output) => JSON.parse(output.split('\n').at(-1));
const version = (command, args = ['--version']) => run(command, args).split('\n')[0];

/** A static server over the consumer project, for the browser checks (the page server's
 * own file lookup, which keeps every path inside `root`). */
async function serve(root) {
  const server = http.createServer(async (request, response) => {
    const file = await staticFile(root, new URL(request.url, 'http://x').pathname).catch(() => null);
    if (!file) return response.writeHead(404).end();
    response.writeHead(200, { 'content-type': file.type }).end(file.body);
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  return { origin: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

let browser;
async function inChromium(root, page) {
  browser ??= await chromium.launch(CHROMIUM);
  const server = await serve(root);
  const tab = await browser.newPage();
  const errors = [];
  tab.on('pageerror', (error) => errors.push(String(error)));
  tab.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  try {
    await tab.goto(`${server.origin}/${page}`);
    await tab.waitForFunction(() => window.__result !== undefined || document.title === 'failed', null, { timeout: 15_000 }).catch(() => {});
    const result = await tab.evaluate(() => window.__result);
    assert.ok(result, `no result from the page; errors: ${errors.join(' | ')}`);
    assert.deepEqual(errors, []);
    // `init()` and the README's esbuild recipe fetch the one module, once (bundlers add a hash
    // to the name).
    const fetched = await tab.evaluate(() => performance.getEntriesByType('resource').map((entry) => entry.name).filter((name) => name.endsWith('.wasm')));
    assert.deepEqual(fetched.map((url) => url.split('/').at(-1).replace(/-[\w-]{8}\.wasm$/, '.wasm')), ['allpass_crypto_bg.wasm'], `fetched ${fetched.join(', ')}`);
    return result;
  } finally {
    await tab.close();
    server.close();
  }
}

const bun = join(here, 'node_modules/@oven/bun-linux-x64/bin/bun');
const chromiumVersion = () => version('/usr/bin/chromium').replace(/ built on.*/, '');
// [name, version, smoke test, how a user loads it there (the README's column)]
const runtimes = [
  ...nodes.flatMap((node) => [
    [`Node ${version(node).split('.')[0].slice(1)}, require`, () => version(node), () => lastJson(run(node, ['smoke-require.cjs'])), "`const { decryptData } = require('allpass-crypto')`"],
    [`Node ${version(node).split('.')[0].slice(1)}, import`, () => version(node), () => lastJson(run(node, ['smoke-import.mjs'])), "`import { decryptData } from 'allpass-crypto'` (the same instance as `require`)"],
  ]),
  ['TypeScript, node16 (ESM and CJS)', () => version(bin('tsc')), () => (run(bin('tsc'), ['-p', 'tsconfig.node16.json']), null), '`strict`, `moduleResolution: node16`, `skipLibCheck: false`: the types ship in the package'],
  ['TypeScript, bundler', () => version(bin('tsc')), () => (run(bin('tsc'), ['-p', 'tsconfig.bundler.json']), null), '`strict`, `moduleResolution: bundler`'],
  ['Browser, no bundler', chromiumVersion, () => inChromium(work, 'no-bundler.html'), '`<script type="module">`, below'],
  ['esbuild bundle for Node', () => `esbuild ${version(bin('esbuild'))}`, () => {
    // Bundled whole (no external package) and run from a folder without node_modules: the
    // module's bytes travel inside the bundle, found by no path.
    run(bin('esbuild'), ['smoke-import.mjs', '--bundle', '--platform=node', '--format=esm', '--outfile=dist-node-bundle/app.mjs']);
    const alone = mkdtempSync(join(tmpdir(), 'allpass-node-bundle-'));
    try {
      cpSync(join(work, 'dist-node-bundle/app.mjs'), join(alone, 'app.mjs'));
      return lastJson(run(process.execPath, ['app.mjs'], { cwd: alone }));
    } finally {
      rmSync(alone, { recursive: true, force: true });
    }
  }, '`esbuild --bundle --platform=node`: the bundle runs without node_modules, no `external` needed'],
  ['esbuild bundle in Chromium', () => `esbuild ${version(bin('esbuild'))}`, () => {
    run(bin('esbuild'), ['esbuild-app.mjs', '--bundle', '--format=esm', '--platform=browser', '--loader:.wasm=file', '--outdir=dist-esbuild']);
    return inChromium(work, 'esbuild.html');
  }, 'bundle run in Chromium; import the `.wasm` URL and pass it to `init`, below'],
  ['Vite bundle in Chromium', () => version(bin('vite')).split(' ')[0], () => {
    run(bin('vite'), ['build', '--logLevel', 'error', '--outDir', '../dist-vite', '--emptyOutDir'], { cwd: join(work, 'vite-app') });
    cpSync(join(work, 'vector.json'), join(work, 'dist-vite/vector.json'));
    return inChromium(join(work, 'dist-vite'), 'index.html');
  }, "production build run in Chromium: `import init, { decryptData } from 'allpass-crypto'; await init();`"],
  ['Bun, import', () => `bun ${version(bun)}`, () => lastJson(run(bun, ['smoke-import.mjs'])), 'as in Node'],
  ['Bun, require', () => `bun ${version(bun)}`, () => lastJson(run(bun, ['smoke-require.cjs'])), 'as in Node'],
  ['Deno', () => version(bin('deno')).replace(/ \(.*/, ''), () => lastJson(run(bin('deno'), ['run', '--allow-read', '--allow-env', 'smoke-import.mjs'])), "in a project with `package.json`: `import { decryptData } from 'allpass-crypto'`, `deno run --allow-read`"],
  ['Cloudflare workerd (Miniflare)', () => version(bin('workerd')), async () => {
    run(bin('esbuild'), ['worker.mjs', '--bundle', '--format=esm', '--conditions=workerd,worker,browser', '--external:*.wasm', '--outdir=dist-worker']);
    cpSync(join(work, 'node_modules/allpass-crypto/dist'), join(work, 'dist-worker/dist'), { recursive: true });
    const miniflare = new Miniflare({
      modules: true,
      scriptPath: join(work, 'dist-worker/worker.js'),
      modulesRoot: work,
      modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
      compatibilityDate: '2025-01-01',
    });
    try {
      const response = await miniflare.dispatchFetch('http://worker/', { method: 'POST', body: JSON.stringify(vector) });
      const text = await response.text();
      assert.equal(response.status, 200, text);
      return JSON.parse(text);
    } finally {
      await miniflare.dispose();
    }
  }, "`import { decryptData } from 'allpass-crypto'`: the `workerd` export condition imports the `.wasm` as a compiled module (workerd refuses to compile wasm from bytes); wrangler's bundler picks it"],
];

forgetSection('works-in');
const rows = [];
for (const [name, describeVersion, smoke, how] of runtimes) {
  let versionText = '?';
  try {
    versionText = describeVersion();
    const result = await smoke();
    if (result !== null) check(result);
    rows.push([name, versionText, 'pass', how]);
    console.log(`PASS ${name} (${versionText})`);
  } catch (error) {
    rows.push([name, versionText, 'FAIL', how]);
    console.log(`FAIL ${name} (${versionText}): ${String(error.stderr || error.message).trim().split('\n').slice(0, 12).join('\n     ')}`);
  }
}
await browser?.close();

const failed = rows.filter(([, , state]) => state !== 'pass').length;
if (!failed) saveWorksIn(rows);
console.log(`runtimes: ${rows.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

/** The README's "Works in" table, from this run's rows. */
function saveWorksIn(rows) {
  const table = ['| runtime | tested version | how |', '| --- | --- | --- |', ...rows.map(([name, versionText, , how]) => `| ${name} | ${versionText} | ${how} |`)];
  saveSection('works-in', table.join('\n'));
}
