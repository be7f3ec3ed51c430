// `require` and `import` expose the same API (node.cjs loads the JavaScript layer lazily from a
// list of names, which must not drift from lib/index.mjs), sharing one WebAssembly instance.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { cjs, esm } from './package-under-test.mjs';

it('require and import expose the same names, and the same functions of the JavaScript layer', () => {
  const names = (lib) => Object.keys(lib).filter((name) => name !== 'default').sort();
  assert.deepEqual(names(cjs), names(esm));
  for (const name of ['createWebhookHandler', 'isAllpassError', 'createClient', 'processInOrder']) {
    assert.equal(cjs[name], esm[name], `${name} is one function for both`);
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
