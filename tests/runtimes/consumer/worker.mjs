// A Cloudflare Worker: the package's `workerd` entry imports the .wasm as a compiled module.
import * as lib from 'allpass-crypto';
import { conformance } from './conformance.mjs';

export default {
  async fetch(request) {
    return Response.json(conformance(lib, await request.json()));
  },
};
