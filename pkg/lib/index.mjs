// The JavaScript layer of the package, on top of the WebAssembly core: everything here calls
// the core through ./api.mjs. Its types are in ./types.d.cts (re-exported by every entry's .d.mts/.d.cts).
export { isAllpassError } from './errors.mjs';
export { createWebhookHandler } from './handler.mjs';
export { createNodeMiddleware } from './middleware.mjs';
export { createOrder, isStale, memoryLastSeen, orderKey, processInOrder } from './order.mjs';
export { memoryStore } from './stores/memory.mjs';
export { startWorker } from './worker.mjs';
export { createClient, encryptRequest, parseResponse } from './client.mjs';
