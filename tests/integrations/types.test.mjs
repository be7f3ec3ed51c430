// `tsc --strict` (node16 resolution, skipLibCheck false) over typed/consumer.mts: every export
// of the integration kit and the event types, used from node:http, Express and Hono code, against
// the .d.ts files the packed tarball ships.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { here, installPackage, runtimes } from './harness.mjs';

let installed;
before(async () => {
  installed = await installPackage();
  cpSync(join(here, 'typed'), installed.dir, { recursive: true });
  // The framework types the consumer imports, from this folder's node_modules.
  for (const name of ['@types', 'hono']) symlinkSync(join(here, 'node_modules', name), join(installed.dir, 'node_modules', name), 'dir');
});
after(() => installed?.remove());

it('tsc --strict accepts a consumer of every new export and the event types', () => {
  let output = '';
  try {
    output = execFileSync(join(runtimes, '.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: installed.dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    assert.fail(`tsc failed:\n${error.stdout}${error.stderr}`);
  }
  assert.equal(output.trim(), '');
});

it('tsc rejects misuse: a wrong key type, a missing onEvent, a documented field of the wrong type', () => {
  const bad = [
    "import { createWebhookHandler } from 'allpass-crypto';",
    'createWebhookHandler({ key: 42, onEvent() {} });',
    "createWebhookHandler({ key: 'k' });",
    "createWebhookHandler({ key: 'k', onEvent(event) { const n: number = event.data.id; void n; } });",
    '',
  ].join('\n');
  execFileSync('sh', ['-c', 'cat > bad.mts'], { cwd: installed.dir, input: bad });
  let failed = null;
  try {
    execFileSync(join(runtimes, '.bin/tsc'), ['--strict', '--noEmit', '--module', 'node16', '--moduleResolution', 'node16', '--lib', 'es2022,dom', '--types', 'node', 'bad.mts'], { cwd: installed.dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    failed = error.stdout;
  }
  assert.ok(failed, 'tsc accepted code it must reject');
  assert.equal((failed.match(/error TS/g) ?? []).length, 3, failed);
});
