// Node's `require` entry: the module loaded by ./node-wasm.mjs (require(esm): Node 20.19+,
// 22.12+, 24), the instance `import` shares, and the JavaScript layer (lib/) on first use of one
// of its exports, because loading the layer's ES modules costs a fresh process a few ms
// (benches/RESULTS.md, cold start) that `decryptData` alone does not need.
'use strict';
const wasm = require('./node-wasm.mjs');

// lib/index.mjs's exports; tests/runtimes checks that `require` and `import` expose the same.
const LIB_EXPORTS = [
  'createClient',
  'createNodeMiddleware',
  'createOrder',
  'createWebhookHandler',
  'encryptRequest',
  'isAllpassError',
  'isStale',
  'memoryLastSeen',
  'memoryStore',
  'orderKey',
  'parseResponse',
  'processInOrder',
  'startWorker',
];

let lib;
function loadLib() {
  lib ??= require('./lib/index.mjs');
  return lib;
}

// The module's exports (with `default` and `initSync`, as from `import`), without require(esm)'s
// `__esModule` marker: `require` returns a plain object of functions.
module.exports = {};
for (const name of Object.keys(wasm)) {
  if (name !== '__esModule') module.exports[name] = wasm[name];
}
for (const name of LIB_EXPORTS) {
  Object.defineProperty(module.exports, name, { enumerable: true, get: () => loadLib()[name] });
}
