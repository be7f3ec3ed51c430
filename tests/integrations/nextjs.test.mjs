// Next.js 16 from npm, with the packed tarball installed as a user installs it: one App Router
// app (./nextjs-app, copied into a fresh folder), built twice, with Turbopack (the default) and
// with `--webpack`, each without `serverExternalPackages` and without the key at build time;
// then `next start` on 127.0.0.1 with the key set: a Node.js route handler and an Edge route
// handler pass the behaviour table, the README's route handler is the app's, a route that read
// request.json() first passes the object on (README, body parsers in front), a server component
// calls decryptData, and a client component (`import init, { decryptData }`) decrypts in
// Chromium. The app's folder is made under this directory so Next finds next, react and
// react-dom in tests/integrations/node_modules; the package comes from its own node_modules.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { CHROMIUM } from '../chromium.mjs';
import { describeServer } from './behaviour.mjs';
import { applicantEvent, envelope, here, post, ref, repo, request, signature, tamper, tarball } from './harness.mjs';

// Next.js 16.4's webpack build fails on any Edge route handler, one without this package too
// (`export const runtime = 'edge'; export const GET = () => new Response('x')`: ENOENT on its
// route_client-reference-manifest.js while collecting page data), so the webpack build is made
// without app/edge (renamed app/_edge, a private folder) and its table has no Edge row.
const BUNDLERS = [
  ['Turbopack', [], { edge: true }],
  ['webpack', ['--webpack'], { edge: false }],
];
const NEXT = join(here, 'node_modules/next/dist/bin/next');
const ROUTE = 'app/allpass/webhook/route.js';
const root = join(here, '.nextjs-work');
let app;

/** Runs `node next …args` in the app; resolves its output, rejects with it on failure. */
function next(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [NEXT, ...args], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (part) => (out += part));
    child.stderr.on('data', (part) => (out += part));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`next ${args.join(' ')} exited ${code}:\n${out.slice(-4000)}`))));
  });
}

/** The environment of `next`: this process's, without any key, plus `extra`. */
function nextEnv(bundler, extra = {}) {
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ALLPASS_NEXT_ROOT: here, ALLPASS_NEXT_DIST: `.next-${bundler}`, ...extra };
  for (const name of ['ALLPASS_KEY', 'ALLPASS_TEST_CONFIG', 'ALLPASS_TEST_SEALED']) if (!(name in extra)) delete env[name];
  return env;
}

const freePort = () =>
  new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

/** `next start` of one build on a free port; resolves { origin, close }. */
async function start(bundler, env) {
  const port = await freePort();
  const child = spawn(process.execPath, [NEXT, 'start', '-H', '127.0.0.1', '-p', String(port)], { cwd: app, env: nextEnv(bundler, env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr.on('data', (part) => (out += part));
  await new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`next start exited (${code}): ${out.slice(-2000)}`)));
    child.stdout.on('data', (part) => {
      out += part;
      if (out.includes('Ready')) resolve();
    });
  });
  child.removeAllListeners('exit');
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.on('exit', () => resolve());
        child.kill('SIGKILL'); // SIGTERM waits for open connections (an upload left open by the 413 check)
      }),
  };
}

before(async () => {
  mkdirSync(root, { recursive: true });
  app = mkdtempSync(join(root, 'app-'));
  cpSync(join(here, 'nextjs-app'), app, { recursive: true });
  copyFileSync(join(here, 'fixtures/recorder.mjs'), join(app, 'recorder.mjs'));
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'next-consumer', private: true, type: 'module' }));
  const copy = join(app, basename(tarball));
  copyFileSync(tarball, copy);
  await new Promise((resolve, reject) => {
    const child = spawn('npm', ['install', '--silent', '--no-audit', '--no-fund', '--no-package-lock', copy], { cwd: app, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`npm install exited ${code}`))));
  });
  // Both builds, one after the other (two cores): neither has the key nor any setting for the package.
  const config = readFileSync(join(app, 'next.config.mjs'), 'utf8');
  assert.doesNotMatch(config.replace(/\/\/.*$/gm, ''), /serverExternalPackages|allpass-crypto/);
  for (const [bundler, flags, { edge }] of BUNDLERS) {
    if (!edge) renameSync(join(app, 'app/edge'), join(app, 'app/_edge'));
    const out = await next(['build', ...flags], nextEnv(bundler));
    assert.match(out, bundler === 'Turbopack' ? /\(Turbopack\)/ : /\(webpack\)/, `${bundler}: ${out.slice(0, 500)}`);
  }
}, { timeout: 900_000 });
after(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

/** A behaviour-table server: `next start` of one build with the suite's keys, `prefix` the route. */
const server = (bundler, prefix) => async ({ config }) => {
  assert.ok(app && existsSync(join(app, `.next-${bundler}`)), `the ${bundler} build is missing`);
  assert.equal(config.maxBodyBytes, 64 * 1024, 'the routes are built with 64 KiB');
  const running = await start(bundler, { ALLPASS_TEST_CONFIG: JSON.stringify({ keys: config.keys }) });
  return { base: `${running.origin}/${prefix}`, close: running.close };
};

for (const [bundler, , { edge }] of BUNDLERS) {
  describeServer(`Next.js 16 (${bundler}), Node.js route handler`, server(bundler, 'node'));
  // The Edge runtime under `next start` reads the whole body before the route runs.
  if (edge) describeServer(`Next.js 16 (${bundler}), Edge route handler`, server(bundler, 'edge'), { wholeBodies: true });

  describe(`Next.js 16 (${bundler}): the README's route, a server component, a client component in Chromium`, { timeout: 180_000 }, () => {
    const key = ref.randomKey();
    const payload = { greeting: 'Zoë Åström ✓', id: 'applicant-1' };
    const sealed = ref.encryptData(payload, key);
    let running;
    let browser;
    before(async () => {
      running = await start(bundler, { ALLPASS_KEY: key, ALLPASS_TEST_SEALED: sealed });
    });
    after(async () => {
      await browser?.close();
      await running?.close();
    });

    it("the README's Next.js route handler is the app's, and answers a webhook: 200, the payload saved; a forged one 400", async () => {
      const route = readFileSync(join(here, 'nextjs-app', ROUTE), 'utf8');
      assert.ok(readFileSync(join(repo, 'README.md'), 'utf8').includes(`\`${ROUTE}\`:\n\n\`\`\`js\n${route}\`\`\``), `README.md shows ${ROUTE} as it is`);
      const event = applicantEvent();
      assert.equal((await post(`${running.origin}/allpass/webhook`, envelope(event, key))).status, 200);
      assert.equal((await post(`${running.origin}/allpass/webhook`, envelope(applicantEvent(), ref.randomKey()))).status, 400);
      const saved = await request(`${running.origin}/verifications`, { method: 'GET' });
      assert.deepEqual(JSON.parse(saved.body.toString('utf8')), [event]);
    });

    it('a route that called request.json() and passes the object on in a new Request: 200, saved; tampered → the same 400', async () => {
      const event = applicantEvent();
      const genuine = envelope(event, key);
      assert.equal((await post(`${running.origin}/allpass/parsed`, genuine)).status, 200);
      assert.deepEqual(JSON.parse((await request(`${running.origin}/verifications`, { method: 'GET' })).body.toString('utf8')), [event]);
      const reference = signature(await post(`${running.origin}/allpass/webhook`, envelope(applicantEvent(), ref.randomKey())));
      assert.equal(reference.status, 400);
      const forged = envelope(applicantEvent(), key);
      for (const body of [{ ...forged, data: tamper(forged.data) }, envelope(applicantEvent(), ref.randomKey()), { hello: 'world' }]) {
        assert.deepEqual(signature(await post(`${running.origin}/allpass/parsed`, body)), reference);
      }
    });

    it('a server component calls decryptData', async () => {
      const page = await request(`${running.origin}/`, { method: 'GET' });
      assert.equal(page.status, 200);
      const text = page.body.toString('utf8').match(/<p id="server">([^<]*)<\/p>/)?.[1];
      const unescaped = text?.replaceAll('&quot;', '"').replaceAll('&#x27;', "'").replaceAll('&amp;', '&');
      assert.equal(unescaped, JSON.stringify(payload));
    });

    it("a client component with `import init, { decryptData } from 'allpass-crypto'` renders on the server and decrypts in Chromium", async () => {
      browser = await chromium.launch(CHROMIUM);
      const tab = await browser.newPage();
      const errors = [];
      tab.on('pageerror', (error) => errors.push(String(error)));
      await tab.goto(`${running.origin}/`);
      await tab.waitForFunction(() => document.getElementById('client')?.textContent !== 'waiting', null, { timeout: 60_000 });
      assert.equal(await tab.textContent('#client'), JSON.stringify(payload));
      assert.deepEqual(errors, []);
    });
  });
}
