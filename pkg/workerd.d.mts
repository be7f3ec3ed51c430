export * from './dist/web/allpass_crypto.js';
export { default } from './dist/web/allpass_crypto.js';
// The package's own declarations (errors, the JavaScript layer), beside the WebAssembly build's.
export * from './lib/types.cjs';
