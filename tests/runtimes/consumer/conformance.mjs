// The same conformance smoke run in every runtime: the runner (tests/runtimes/run.mjs) checks
// what it returns against node:crypto.
export function conformance(lib, { key, sealed, payload, text }) {
  // Every entry's default export is the browser's init() (a no-op where the module loads at import).
  const result = { runtimeKeys: Object.keys(lib).sort(), init: typeof lib.default };
  result.decrypted = lib.decryptData(sealed, key);
  result.encrypted = lib.encryptData(payload, key);
  result.webhook = lib.parseWebhook(JSON.stringify(lib.createWebhook(payload, key)), key).data;
  const cipher = new lib.AllpassCipher(key);
  result.cipherDecrypted = cipher.decrypt(sealed);
  result.encryptedText = cipher.encryptText(text);
  cipher.free();
  try {
    lib.decryptData(sealed, key.slice(0, 62));
    result.badKey = 'nothing thrown';
  } catch (error) {
    result.badKey = `${error instanceof Error ? 'Error' : typeof error} ${error.code}`;
  }
  return result;
}
