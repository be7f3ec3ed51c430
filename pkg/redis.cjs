// `require('allpass-crypto/redis')`: the webhook store on Redis, the very ES module `import` loads
// (redis.mjs, through require(esm): Node 20.19+, 22.12+, 24), typed by redis.d.cts.
'use strict';
module.exports = require('./redis.mjs');
