// The package under test, loaded the way users load it: from the packed tarball installed in
// a throwaway consumer project (`make pack`), through `require` and through `import`.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const consumer = process.env.ALLPASS_CONSUMER_DIR;
if (!consumer) throw new Error('ALLPASS_CONSUMER_DIR is not set: run the tests through `make test-node`');

export const cjs = createRequire(join(consumer, 'package.json'))('./entry.cjs');
export const esm = await import(pathToFileURL(join(consumer, 'entry.mjs')).href);

/** What the suites test: `require`'s exports, which are `import`'s very functions and classes
 * over one WebAssembly instance (exports.test.mjs), so each check runs once. */
export const lib = cjs;

/** The installed package's folder (node_modules/allpass-crypto). */
export const packageDir = join(consumer, 'node_modules/allpass-crypto');

/** Every code the package may throw: its one list (lib/codes.mjs), as installed. */
export const { CODES, REASONS } = await import(pathToFileURL(join(packageDir, 'lib/codes.mjs')).href);
export const ERROR_CODES = Object.keys(CODES);

/** Runs `fn`, expects it to throw an AllpassError, and returns the error. */
export function caught(fn) {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an AllpassError, but nothing was thrown');
}

/** Asserts that `fn` throws an AllpassError with `code`, whose message matches `pattern`; returns it. */
export function throwsCode(fn, code, pattern) {
  const error = caught(fn);
  assert.ok(error instanceof Error, 'an Error instance');
  assert.equal(error.name, 'AllpassCryptoError');
  assert.equal(error.code, code, `code of: ${error.message}`);
  assert.ok(ERROR_CODES.includes(error.code));
  if (pattern) assert.match(error.message, pattern);
  return error;
}
