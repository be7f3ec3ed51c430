// `require('allpass-crypto/lambda')`: the very ES module `import` loads (lambda.mjs, through require(esm)), typed by lambda.d.cts.
'use strict';
module.exports = require('./lambda.mjs');
