// `require('allpass-crypto/postgres')`: the webhook store on PostgreSQL, the very ES module `import` loads
// (postgres.mjs, through require(esm): Node 20.19+, 22.12+, 24), typed by postgres.d.cts.
'use strict';
module.exports = require('./postgres.mjs');
