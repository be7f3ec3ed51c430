// What every integration test shares: the package under test (the packed tarball installed into
// a fresh project of this process's own, so test files can run in parallel), webhook bodies made
// with node:crypto (the vendor's code, tests/node/reference.mjs), and a raw HTTP client.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import crypto from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as ref from '../node/reference.mjs';

export { ref };
export const here = fileURLToPath(new URL('.', import.meta.url));
export const repo = resolve(here, '../..');
export const runtimes = join(repo, 'tests/runtimes/node_modules');

/** The tarball under test: $ALLPASS_TARBALL, or the one `make pack` leaves. */
export const tarball = resolve(process.env.ALLPASS_TARBALL ?? join(repo, 'target/npm/allpass-crypto-0.1.0.tgz'));

/**
 * A fresh project with the tarball installed (copied first: `make pack` may be rewriting it),
 * plus the fixtures. Returns { dir, pkg (import), cjs (require), remove() }.
 */
export async function installPackage() {
  if (!existsSync(tarball)) throw new Error(`no tarball at ${tarball}: run \`make pack\` or set ALLPASS_TARBALL`);
  const dir = mkdtempSync(join(tmpdir(), 'allpass-integrations-'));
  const copy = join(dir, basename(tarball));
  copyFileSync(tarball, copy);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--silent', '--no-audit', '--no-fund', '--no-package-lock', copy], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  writeFileSync(join(dir, 'entry.mjs'), "export * from 'allpass-crypto';\n");
  writeFileSync(join(dir, 'entry.cjs'), "module.exports = require('allpass-crypto');\n");
  cpSync(join(here, 'fixtures'), dir, { recursive: true });
  const pkg = await import(pathToFileURL(join(dir, 'entry.mjs')).href);
  const { createRequire } = await import('node:module');
  const cjs = createRequire(join(dir, 'package.json'))('./entry.cjs');
  return { dir, pkg, cjs, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The limit every server under test is configured with (small, so oversize tests are quick). */
export const MAX_BODY_BYTES = 64 * 1024;

/** Three keys: the current one, the one being retired, and one the server does not know. */
export function testKeys() {
  return { current: ref.randomKey(), previous: ref.randomKey(), stranger: ref.randomKey() };
}

/** The server's configuration: both keys (newest first) and the limit. */
export const serverConfig = (keys) => ({ keys: [keys.current, keys.previous], maxBodyBytes: MAX_BODY_BYTES });

/** An applicant event as the vendor documents its payload (id, externalUserId, appKey, …). */
export function applicantEvent(extra = {}) {
  return { id: randomUUID(), externalUserId: `user-${randomUUID()}`, appKey: randomUUID(), warnings: [], stepName: 'Liveness', ...extra };
}

/** The vendor's envelope around `payload`, encrypted by node:crypto (the vendor's encryptData). */
export function envelope(payload, key, time = new Date().toISOString()) {
  return { status: true, statusCode: 200, data: ref.encryptData(payload, key), time };
}

/** AES-256-CBC of raw bytes without PKCS#7 padding: for a plaintext whose padding is wrong. */
function encryptUnpadded(plaintext, key) {
  const iv = crypto.randomBytes(16);
  const cipher = crypto.createCipheriv('aes-256-cbc', Buffer.from(key, 'hex'), iv);
  cipher.setAutoPadding(false);
  return iv.toString('hex') + Buffer.concat([cipher.update(plaintext), cipher.final()]).toString('hex');
}

/** Flips one bit in the last ciphertext block: the padding, and the JSON, are then garbage. */
export function tamper(data) {
  const at = data.length - 5;
  const flipped = (Number.parseInt(data[at], 16) ^ 0x4).toString(16);
  return data.slice(0, at) + flipped + data.slice(at + 1);
}

/**
 * Bodies that must all be answered with the same 400, each with the code onError must get
 * (null: not checked, the cause is found before the package is called).
 */
export function badBodies(keys) {
  const time = new Date().toISOString();
  const good = envelope(applicantEvent(), keys.current, time);
  const bad = (data) => JSON.stringify({ ...good, data });
  const padding = Buffer.alloc(32, 0x41);
  padding[31] = 0x00; // a last byte of 0 is never valid PKCS#7
  return [
    ['wrong key', JSON.stringify(envelope(applicantEvent(), keys.stranger, time)), 'DECRYPT_FAILED'],
    ['tampered data', bad(tamper(good.data)), 'DECRYPT_FAILED'],
    ['bad padding', bad(encryptUnpadded(padding, keys.current)), 'DECRYPT_FAILED'],
    ['plaintext not JSON', bad(ref.encryptBytes(Buffer.from('hello, not JSON'), keys.current)), 'DECRYPT_FAILED'],
    ['body not JSON', 'status=true&data=abc', 'INVALID_JSON'],
    ['bare data string', good.data, 'INVALID_JSON'],
    ['not an envelope', JSON.stringify({ hello: 'world' }), 'INVALID_ENVELOPE'],
    // Its own data: `good`'s blocks were already sent, tampered, above (a reuse is TAMPERED).
    ['envelope with a wrong type', JSON.stringify({ ...envelope(applicantEvent(), keys.current, time), status: 'true' }), 'INVALID_ENVELOPE'],
    ['data not hex', bad('zz'.repeat(48)), 'INVALID_CIPHERTEXT'],
    ['empty body', '', null],
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'INVALID_JSON'],
  ];
}

/**
 * One raw HTTP request. `body`: string or Buffer, sent with a content-length; `chunks`: a list
 * sent chunked; `endless: true` keeps the upload open (never ends it) and resolves on the
 * answer. Resolves { status, headers, body: Buffer }.
 */
export function request(url, { method = 'POST', body, headers = {}, chunks, endless = false } = {}) {
  return new Promise((resolvePromise, rejectPromise) => {
    const target = new URL(url);
    const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method, headers, agent: false });
    let answered = false;
    req.on('error', (error) => {
      if (!answered) rejectPromise(error);
    });
    req.on('response', (res) => {
      answered = true;
      const parts = [];
      res.on('data', (part) => parts.push(part));
      res.on('error', () => {});
      res.on('end', () => {
        resolvePromise({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts) });
        if (endless) req.destroy();
      });
    });
    if (chunks) {
      for (const chunk of chunks) req.write(chunk);
      if (!endless) req.end();
    } else if (endless) {
      req.flushHeaders();
      if (body !== undefined) req.write(body);
    } else {
      req.end(body);
    }
  });
}

/** POSTs a JSON value (or a raw string/Buffer) to url. */
export const post = (url, body, headers = { 'content-type': 'application/json' }) =>
  request(url, { body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body), headers });

/** What must not differ between two failures: the status, every header but Date, the body. */
export function signature(response) {
  const headers = Object.fromEntries(Object.entries(response.headers).filter(([name]) => !['date', 'keep-alive'].includes(name)).sort());
  return { status: response.status, headers, body: response.body.toString('hex') };
}

/** GETs /log of a server under test: what its callbacks saw since the last call. */
export async function takeLog(base) {
  const response = await request(`${base}/log`, { method: 'GET' });
  if (response.status !== 200) throw new Error(`GET /log answered ${response.status}`);
  return JSON.parse(response.body.toString('utf8'));
}
