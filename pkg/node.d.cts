export * from './dist/web/allpass_crypto.cjs';
export { default } from './dist/web/allpass_crypto.cjs';
