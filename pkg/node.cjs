// Node's `require` entry: the CommonJS build, and the JavaScript layer (lib/, ES modules, loaded
// with require(esm): Node 20.19+, 22.12+, 24) on first use of one of its exports, because
// loading ES modules from CommonJS costs a fresh process ~5 ms (benches/RESULTS.md, cold start)
// that `decryptData` alone does not need. One WebAssembly instance, shared with `import`.
'use strict';
const wasm = require('./dist/node/allpass_crypto.js');

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
];

let lib;
function loadLib() {
  if (!lib) {
    require('./lib/api.mjs').useApi(wasm);
    lib = require('./lib/index.mjs');
  }
  return lib;
}

module.exports = { ...wasm };
for (const name of LIB_EXPORTS) {
  Object.defineProperty(module.exports, name, { enumerable: true, get: () => loadLib()[name] });
}
