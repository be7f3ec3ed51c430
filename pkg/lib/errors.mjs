// Telling our errors apart from everyone else's, without matching message text.

/** True when `value` is an error thrown by this package, whatever realm or copy threw it. */
export function isAllpassError(value) {
  return value instanceof Error && value.name === 'AllpassCryptoError' && typeof value.code === 'string';
}
