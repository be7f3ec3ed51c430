// `allpass-crypto serve` under load keeps its memory bounded: thousands of webhooks of up to 1 MB,
// 40 at a time, against the installed CLI on 127.0.0.1; the server process's peak resident set
// (VmHWM, from /proc) must stay under a fixed bound. Before the bounds: 518 MB after 4,000;
// with them about 150 MB on Node 20, 165 MB on 22, 195 MB on 24, 185 MB on 26 (the one the suite runs), whatever the count.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { install, startServe } from './installed.mjs';

const POSTS = Number(process.env.ALLPASS_MEMORY_POSTS ?? 2000);
const CONCURRENCY = 40;
const BOUND_MB = 240;

let installed;
let serve;
before(async () => {
  installed = install();
  serve = await startServe(installed.bin);
});
after(async () => {
  await serve?.stop();
  installed?.remove();
});

const peakRssMb = (pid) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

it(`stays under ${BOUND_MB} MB peak RSS after ${POSTS} webhooks of up to 1 MB, ${CONCURRENCY} at a time`, async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const { hostname, port } = new URL(serve.origin);
  // Bodies from 1 KB to just under 1 MB (the limit), made once and reused.
  const sizes = [1024, 64 * 1024, 512 * 1024, 1024 * 1024 - 16];
  const bodies = sizes.map((size) => Buffer.from(JSON.stringify({ pad: 'z'.repeat(size - 12) })));
  const statuses = new Map();
  const post = (body) => new Promise((resolve, reject) => {
    const request = http.request({ hostname, port, path: '/webhook', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode));
    });
    request.on('error', reject);
    request.end(body);
  });
  const startRss = peakRssMb(serve.child.pid);
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < POSTS) {
      const body = bodies[next++ % bodies.length];
      const status = await post(body);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  }));
  agent.destroy();
  const peak = peakRssMb(serve.child.pid);
  process.stdout.write(`# serve: peak RSS ${peak.toFixed(0)} MB (at start ${startRss.toFixed(0)} MB) after ${POSTS} webhooks; statuses ${JSON.stringify(Object.fromEntries(statuses))}\n`);
  assert.deepEqual([...statuses.keys()], [200], 'every webhook was accepted');
  assert.ok(peak < BOUND_MB, `peak RSS ${peak.toFixed(0)} MB`);
  // Still serving, and holding at most its stored-bytes limit.
  const stored = await (await fetch(`${serve.origin}/webhooks`, { headers: { cookie: `allpass-inbox-${port}=${serve.token}` } })).json();
  assert.ok(stored.reduce((sum, item) => sum + item.body.length, 0) <= 16 * 1024 * 1024);
});
