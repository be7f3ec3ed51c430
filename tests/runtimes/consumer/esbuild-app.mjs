// Bundled by esbuild (`--loader:.wasm=file`): the module is emitted as a file and its URL passed
// (resolved against the bundle) to init(), since esbuild does not follow
// `new URL(…, import.meta.url)`. The README's recipe, as written there.
import init, * as lib from 'allpass-crypto';
import wasmUrl from 'allpass-crypto/allpass_crypto_bg.wasm';
import { conformance } from './conformance.mjs';

const vector = await (await fetch('/vector.json')).json();
await init({ module_or_path: new URL(wasmUrl, import.meta.url) });
window.__result = conformance(lib, vector);
