// The handler's key, made into an AllpassCipher once. A key given as a value: built now, when
// the module is loaded (so a bad key fails at start-up), else on first use. A key given as a
// function: called on the first request (so a build without the secret succeeds), the cipher
// kept once it succeeds; a missing or bad key is INVALID_KEY (the handler answers 500, Allpass
// retries) and is asked for again on the next request. Web-standard JavaScript only.
import { isKeyList, wasm } from './api.mjs';
import { allpassError, isAllpassError } from './errors.mjs';

/** What a `key()` function returned, described without its value (never log a key). */
function described(value) {
  if (value === undefined || value === null) return `${value} (is the variable set where the server runs?)`;
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list with something other than strings';
  return `a ${typeof value}`;
}

async function fromFunction(key) {
  let value;
  try {
    value = await key();
  } catch (cause) {
    throw allpassError('INVALID_KEY', undefined, '`key()` threw or rejected: no key to decrypt with', { cause });
  }
  if (!isKeyList(value)) throw allpassError('INVALID_KEY', undefined, `\`key()\` returned ${described(value)}, not the 64-hex-character key or a non-empty list of them`);
  return new (wasm().AllpassCipher)(typeof value === 'string' ? value : [...value]);
}

/** `() => Promise<AllpassCipher>` for a `key` option (a key, a list, or a function returning either); a TypeError for anything else. */
export function cipherSource(key) {
  if (typeof key !== 'function' && !isKeyList(key)) throw new TypeError('`key` must be the 64-hex-character key, a non-empty list of them (newest first), or a function returning either (called on the first request)');
  let cipher = null;
  let pending = null;
  if (typeof key === 'function') {
    return () => {
      if (cipher) return Promise.resolve(cipher);
      // One call for the requests that arrive together; forgotten after a failure (retried).
      pending ??= fromFunction(key).then(
        (made) => (cipher = made),
        (error) => {
          pending = null;
          throw error;
        },
      );
      return pending;
    };
  }
  const keys = typeof key === 'string' ? key : [...key];
  try {
    cipher = new (wasm().AllpassCipher)(keys);
  } catch (error) {
    if (isAllpassError(error)) throw error;
  }
  return async () => (cipher ??= new (wasm().AllpassCipher)(keys));
}
