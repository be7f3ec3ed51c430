// A Cloudflare Worker: the package's `workerd` entry imports the .wasm as a compiled module;
// `init()`, as code written for the browser entry calls it, resolves at once.
import init, * as lib from 'allpass-crypto';
import { conformance } from './conformance.mjs';

export default {
  async fetch(request) {
    await init();
    return Response.json(conformance(lib, await request.json()));
  },
};
