// SHA-256 as hex, for the handler's memories (a body's identity, a payload's). Web-standard
// `crypto.subtle` everywhere; where the runtime has node:crypto (Node, Bun, Deno), its
// synchronous hash instead: crypto.subtle hops to a thread pool, which costs several times the
// hash itself (benches/RESULTS.md); its one-shot `hash` (Node 21.7 on) where there is one, which
// skips building a Hash object. Looked up at run time, so no bundler sees a `node:` import.
const nodeCrypto = (() => {
  try {
    return globalThis.process?.getBuiltinModule?.('node:crypto');
  } catch {
    return undefined;
  }
})();
const oneShot = typeof nodeCrypto?.hash === 'function' ? nodeCrypto.hash : undefined;
const encoder = new TextEncoder();

/** SHA-256 of `text`'s UTF-8, as 64 hex characters. */
export async function sha256Hex(text) {
  if (oneShot) return oneShot('sha256', text, 'hex');
  if (nodeCrypto) return nodeCrypto.createHash('sha256').update(text, 'utf8').digest('hex');
  const bytes = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', encoder.encode(text)));
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
