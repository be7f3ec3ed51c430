// `require` and `import` expose the same API (node.cjs loads the JavaScript layer lazily from a
// list of names, which must not drift from lib/index.mjs), sharing one WebAssembly instance.
// Every Node version runs this file: module loading (require of ESM among it) is the runtime's.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { cjs, esm } from './package-under-test.mjs';

it('require and import expose the same names, each the very same function, class or value', () => {
  // So the other suites test `require`'s exports alone (package-under-test.mjs).
  const names = (lib) => Object.keys(lib).filter((name) => name !== 'default' && name !== '__esModule').sort();
  assert.deepEqual(names(cjs), names(esm));
  assert.ok(names(esm).length >= 15, names(esm).join(', '));
  for (const name of names(esm)) assert.equal(cjs[name], esm[name], `${name} is one for both`);
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
