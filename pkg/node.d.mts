export * from './dist/web/allpass_crypto.js';
export { default } from './dist/web/allpass_crypto.js';
