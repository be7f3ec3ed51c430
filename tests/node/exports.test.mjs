// `require` and `import` expose the same API (node.cjs loads the JavaScript layer lazily from a
// list of names, which must not drift from lib/index.mjs), sharing one WebAssembly instance.
// Every Node version runs this file: module loading (require of ESM among it) is the runtime's.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cjs, esm, packageDir } from './package-under-test.mjs';
import { publicNames } from './public-names.mjs';

it('require and import expose the same names, the WebAssembly build\'s and lib/index.mjs\'s, no more, no fewer, each the very same function, class or value', async () => {
  // So the other suites test `require`'s exports alone (package-under-test.mjs).
  const names = (lib) => Object.keys(lib).filter((name) => name !== 'default' && name !== '__esModule').sort();
  const { all } = await publicNames(packageDir);
  // node.cjs lists lib/index.mjs's names by hand (LIB_EXPORTS, to load lib/ lazily): a name
  // missing there is missing from `require`, an extra one is an undefined export.
  assert.deepEqual(names(cjs), all, 'require (node.cjs, LIB_EXPORTS)');
  assert.deepEqual(names(esm), all, 'import (node.mjs)');
  for (const name of names(esm)) assert.equal(cjs[name], esm[name], `${name} is one for both`);
});

it('init and initSync under require and import: the same functions, no-ops resolving to the loaded instance', async () => {
  assert.equal(cjs.initSync, esm.initSync);
  assert.equal(typeof cjs.default, 'function');
  assert.ok(!('__esModule' in cjs));
  const loaded = await cjs.default();
  assert.equal(cjs.initSync(), loaded);
  assert.equal(typeof loaded.memory, 'object');
  const key = 'ab'.repeat(32);
  assert.equal(cjs.decryptData(cjs.encryptData({ after: 'init' }, key), key), '{"after":"init"}');
});

it('the stores\' entries (allpass-crypto/postgres, /redis): require gives import\'s very functions', async () => {
  // Required as a consumer requires it (the `require` condition: postgres.cjs, redis.cjs).
  const requireFrom = createRequire(join(packageDir, '../../package.json'));
  for (const store of ['postgres', 'redis']) {
    const entry = `allpass-crypto/${store}`;
    const required = requireFrom(entry);
    const imported = await import(pathToFileURL(join(packageDir, `${store}.mjs`)).href);
    assert.deepEqual(Object.keys(required).sort(), Object.keys(imported).sort(), entry);
    assert.ok(Object.keys(imported).length > 0, entry);
    for (const name of Object.keys(imported)) assert.equal(required[name], imported[name], `${entry}: ${name}`);
  }
});

it('one WebAssembly instance: a setting made through require is seen through import', () => {
  const { maxInputLength } = esm.configure();
  try {
    cjs.configure({ maxInputLength: 12_345 });
    assert.equal(esm.configure().maxInputLength, 12_345);
  } finally {
    esm.configure({ maxInputLength });
  }
});
