// Argument checks, one function per kind of argument (as noble's anumber/abytes): the options of
// the JavaScript layer, the stores, the CLI and the vendor simulator are checked here, so one
// mistake reads the same wherever it is made. Each returns the checked value (`fallback` when the
// value is undefined) and throws a TypeError that names the argument and says what it takes.

/** What was given, for a message: numbers as they are, short strings quoted, nothing long (a key). */
function shown(value) {
  if (typeof value === 'string') return value.length <= 24 ? JSON.stringify(value) : `a string of ${value.length} characters`;
  if (value == null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/**
 * `value` (or `fallback` when undefined): a safe integer from `min` to `max`. A name ending in
 * `Ms` is a number of milliseconds, and the message says so.
 * @param {string} name @param {any} value @param {number | undefined} fallback @param {number} min
 * @param {number} [max]
 * @returns {number}
 */
export function wholeNumber(name, value, fallback, min, max = Number.MAX_SAFE_INTEGER) {
  const number = value === undefined ? fallback : value;
  if (Number.isSafeInteger(number) && number >= min && number <= max) return number;
  const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
  throw new TypeError(`\`${name}\` must be a whole number${name.endsWith('Ms') ? ' of milliseconds' : ''}, ${range}, got ${shown(number)}`);
}

/**
 * `value` (or `fallback` when undefined): a finite number, at least `min`.
 * @param {string} name @param {any} value @param {number | undefined} fallback @param {number} min
 * @returns {number}
 */
export function finiteNumber(name, value, fallback, min) {
  const number = value === undefined ? fallback : value;
  if (typeof number === 'number' && Number.isFinite(number) && number >= min) return number;
  throw new TypeError(`\`${name}\` must be a number, at least ${min}, got ${shown(number)}`);
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * `value` (a string or a URL) as an absolute http: or https: URL. With `secure` (why clear text
 * is refused, for the message), https: only, or http: to this machine (localhost, 127.0.0.1, [::1]).
 * @param {string} name @param {any} value @param {{ secure?: string }} [options]
 * @returns {URL}
 */
export function httpUrl(name, value, { secure } = {}) {
  let url;
  try {
    url = new URL(typeof value === 'string' || value instanceof URL ? value : '');
  } catch {
    throw new TypeError(`\`${name}\` must be an absolute http or https URL, such as https://example.com/path${typeof value === 'string' ? '' : `, got ${shown(value)}`}`);
  }
  if (secure !== undefined && url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new TypeError(`\`${name}\` must be an https: URL (got ${url.protocol}//${url.host}): ${secure} (http: is accepted for localhost, 127.0.0.1 and [::1] only)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`\`${name}\` must be an http or https URL, got ${url.protocol}`);
  return url;
}

/**
 * `value` unless it is given and not a function.
 * @param {string} name @param {any} value
 */
export function optionalFunction(name, value) {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`\`${name}\` must be a function, got ${shown(value)}`);
  return value;
}
