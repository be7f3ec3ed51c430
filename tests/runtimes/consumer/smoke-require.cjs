// Node and Bun `require`.
const lib = require('allpass-crypto');
const vector = require('./vector.json');

import('./conformance.mjs').then(({ conformance }) => console.log(JSON.stringify(conformance(lib, vector))));
