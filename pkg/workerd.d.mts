export * from './dist/web/allpass_crypto.js';
