// Node's `import` entry: the module loaded by ./node-wasm.mjs (shared with `require`), ready
// synchronously; `init()` and `initSync()` are exported too (no-ops: already initialised), so
// code written for the browser entry runs unchanged on the server.
export * from './node-wasm.mjs';
export { default } from './node-wasm.mjs';
export * from './lib/index.mjs';
