// `tsc --strict` (node16 resolution, skipLibCheck false) over typed/consumer.mts: every export
// of the integration kit and the event types, used from node:http, Express and Hono code, against
// the .d.ts files the packed tarball ships; every declared name through every entry; and pkg/lib
// type-checked as JavaScript against its declarations (typed/tsconfig.lib.json, typed/lib.mts).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
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

it('every declared type and function, and init(), reaches users through each entry (import and require, web, workerd and edge-light)', () => {
  // What the WebAssembly build's .d.ts and lib/types.d.cts declare, as the package ships them.
  const shipped = join(installed.dir, 'node_modules/allpass-crypto');
  const names = new Set();
  for (const file of ['dist/web/allpass_crypto.d.ts', 'lib/types.d.cts']) {
    for (const [, name] of readFileSync(join(shipped, file), 'utf8').matchAll(/^export (?:declare )?(?:interface|type|function|class) (\w+)/gm)) names.add(name);
  }
  for (const name of ['AllpassError', 'AllpassErrorCode', 'AllpassErrorReason', 'WebhookStore', 'Webhook', 'AllpassKey', 'AllpassCipher', 'createWebhookHandler', 'memoryStore']) {
    assert.ok(names.has(name), `${name} is declared`);
  }
  // Each name used once: functions by `typeof`, types and classes as types.
  const uses = [...names].map((name, i) => `export type N${i} = ${/^[a-z]/.test(name) ? `typeof P.${name}` : `T.${name}`};`).join('\n');
  // …and the default export, init(), which every entry has.
  const init = 'export type Init = typeof P.default;';
  const esm = `import * as P from 'allpass-crypto';\nimport type * as T from 'allpass-crypto';\n${uses}\n${init}\n`;
  writeFileSync(join(installed.dir, 'probe-import.mts'), esm);
  writeFileSync(join(installed.dir, 'probe-require.cts'), esm.replace("import * as P from 'allpass-crypto';", "import P = require('allpass-crypto');"));
  const tsc = (args) => {
    try {
      execFileSync(join(runtimes, '.bin/tsc'), args, { cwd: installed.dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      assert.fail(`tsc ${args.join(' ')} failed:\n${error.stdout}${error.stderr}`);
    }
  };
  const common = ['--strict', '--noEmit', '--skipLibCheck', 'false', '--lib', 'es2022,dom', '--types', 'node'];
  tsc([...common, '--module', 'node16', '--moduleResolution', 'node16', 'probe-import.mts', 'probe-require.cts']);
  // The browser (web.d.mts) and workerd entries, as a bundler resolves them.
  for (const condition of ['browser', 'workerd', 'edge-light']) {
    tsc([...common, '--module', 'esnext', '--moduleResolution', 'bundler', '--customConditions', condition, 'probe-import.mts']);
  }
});

it('pkg/lib, type-checked as JavaScript (checkJs), matches the declarations it ships', () => {
  try {
    execFileSync(join(runtimes, '.bin/tsc'), ['-p', join(here, 'typed/tsconfig.lib.json')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    assert.fail(`tsc -p typed/tsconfig.lib.json failed:\n${error.stdout}${error.stderr}`);
  }
});
