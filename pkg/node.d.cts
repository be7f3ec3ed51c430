export * from './dist/node/allpass_crypto.js';
