// `require('allpass-crypto/otel')`: the very ES module `import` loads (otel.mjs, through require(esm)), typed by otel.d.cts.
'use strict';
module.exports = require('./otel.mjs');
