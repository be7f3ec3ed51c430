// Bundled by Vite: it follows the package's `new URL('allpass_crypto_bg.wasm', import.meta.url)`
// and emits the .wasm as an asset, so a plain init() works.
import init, * as lib from 'allpass-crypto';
import { conformance } from '../conformance.mjs';

const vector = await (await fetch('/vector.json')).json();
await init();
window.__result = conformance(lib, vector);
