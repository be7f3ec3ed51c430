export * from './dist/web/allpass_crypto.cjs';
export { default } from './dist/web/allpass_crypto.cjs';
// The package's own declarations (errors, the JavaScript layer), beside the WebAssembly build's.
export * from './lib/types.cjs';
