/** True when `value` is an error thrown by this package (an `AllpassError`), whatever realm or copy of the package threw it. */
export function isAllpassError(value: unknown): value is AllpassError;
