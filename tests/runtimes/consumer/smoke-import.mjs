// Node `import`, Bun and Deno: usable synchronously right after the import, no init().
import * as lib from 'allpass-crypto';
import vector from './vector.json' with { type: 'json' };
import { conformance } from './conformance.mjs';

console.log(JSON.stringify(conformance(lib, vector)));
