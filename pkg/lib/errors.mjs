// This package's errors: made in one place, told apart without matching message text.

/** @import { AllpassError, AllpassErrorCode, AllpassErrorReason } from './types.cjs' */

/**
 * True when `value` is an error thrown by this package, whatever realm or copy threw it.
 * @param {unknown} value
 * @returns {value is AllpassError}
 */
export function isAllpassError(value) {
  return value instanceof Error && value.name === 'AllpassCryptoError' && typeof (/** @type {{ code?: unknown }} */ (value)).code === 'string';
}

/**
 * An error shaped like the core's (`name`, `code`, `reason`), for causes found in JavaScript.
 * `extra` adds fields; those named in `hidden` are non-enumerable, so `console.log`,
 * `util.inspect` and `JSON.stringify` of the error do not print them (decrypted data).
 * @param {AllpassErrorCode} code
 * @param {AllpassErrorReason | undefined} reason
 * @param {string} message
 * @param {{ cause?: unknown, [field: string]: unknown }} [extra]
 * @param {string[]} [hidden]
 * @returns {AllpassError & { [field: string]: unknown }}
 */
export function allpassError(code, reason, message, extra, hidden = []) {
  const error = /** @type {AllpassError & { [field: string]: unknown }} */ (new Error(message, extra?.cause === undefined ? undefined : { cause: extra.cause }));
  error.name = 'AllpassCryptoError';
  error.code = code;
  if (reason !== undefined) error.reason = reason;
  if (extra) {
    for (const [name, value] of Object.entries(extra)) {
      if (name === 'cause') continue;
      if (hidden.includes(name)) Object.defineProperty(error, name, { value, enumerable: false, writable: false, configurable: true });
      else error[name] = value;
    }
  }
  return error;
}
