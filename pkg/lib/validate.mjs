// One check per kind of argument, each throwing a TypeError that names the option and says
// what it must be.

/** `value` (or `fallback` when undefined) as a whole number of at least `min`. */
export function wholeNumber(name, value, fallback, min) {
  const number = value ?? fallback;
  if (!Number.isSafeInteger(number) || number < min) throw new TypeError(`\`${name}\` must be a whole number, at least ${min}`);
  return number;
}

/** `value` (or `fallback`) as whole milliseconds, at least `min` (1 by default). */
export function milliseconds(name, value, fallback, min = 1) {
  const number = value ?? fallback;
  if (!Number.isSafeInteger(number) || number < min) throw new TypeError(`\`${name}\` must be a whole number of milliseconds, at least ${min}`);
  return number;
}

/** `value` unless it is given and not a function. */
export function optionalFunction(name, value) {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`\`${name}\` must be a function`);
  return value;
}
