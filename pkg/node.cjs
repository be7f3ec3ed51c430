// Node's `require` entry: the CommonJS build and the JavaScript layer (lib/, ES modules, loaded
// with require(esm): Node 20.19+, 22.12+, 24). One WebAssembly instance, shared with `import`.
'use strict';
const wasm = require('./dist/node/allpass_crypto.js');
require('./lib/api.mjs').useApi(wasm);
module.exports = { ...wasm, ...require('./lib/index.mjs') };
