// This package's errors: made in one place, told apart without matching message text.

/** True when `value` is an error thrown by this package, whatever realm or copy threw it. */
export function isAllpassError(value) {
  return value instanceof Error && value.name === 'AllpassCryptoError' && typeof value.code === 'string';
}

/**
 * An error shaped like the core's (`name`, `code`, `reason`), for causes found in JavaScript.
 * `extra` adds fields; those named in `hidden` are non-enumerable, so `console.log`,
 * `util.inspect` and `JSON.stringify` of the error do not print them (decrypted data).
 */
export function allpassError(code, reason, message, extra, hidden = []) {
  const error = new Error(message, extra?.cause === undefined ? undefined : { cause: extra.cause });
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
