// Every error code and reason this package gives, which layer raises each, and what a person
// should do about the common ones: the one list. Checked against it by tests/node/codes.test.mjs:
// the Rust enums (src/error.rs, wasm/src/), the TypeScript unions (./types.d.cts), README's Errors
// section and every error the JavaScript layer and the CLI make. The CLI (bin/) and the debugging
// page (www/app.js, which imports this file: it must keep no imports of its own) read their hints
// here.

/**
 * Where a code or reason is raised: `core` the Rust crate (src/error.rs), `bindings` the
 * WebAssembly bindings (wasm/src/), `js` the JavaScript layer (pkg/lib, `allpassError`).
 */
export const CODES = {
  INVALID_KEY: ['core', 'js'],
  INVALID_CIPHERTEXT: ['core'],
  DECRYPT_FAILED: ['core'],
  INVALID_JSON: ['core', 'js'],
  INVALID_ENVELOPE: ['core', 'js'],
  RNG_FAILED: ['core'],
  INVALID_ARGUMENT: ['bindings', 'js'],
  API_ERROR: ['js'],
  TAMPERED: ['js'],
  INVALID_PAYLOAD: ['js'],
  STORE_FAILED: ['js'],
};

/** The stable reasons (`error.reason`), by layer as `CODES`. */
export const REASONS = {
  EMPTY: ['core'],
  WRONG_LENGTH: ['core'],
  BASE64: ['core'],
  NON_HEX: ['core'],
  ARGUMENTS_SWAPPED: ['core'],
  KEY_COUNT: ['core'],
  WHOLE_BODY: ['core'],
  ODD_LENGTH: ['core'],
  TOO_SHORT: ['core'],
  NOT_WHOLE_BLOCKS: ['core'],
  TOO_LONG: ['core', 'bindings', 'js'],
  WRONG_TYPE: ['bindings', 'js'],
  NOT_SERIALIZABLE: ['bindings'],
  NO_BODY: ['bindings', 'js'],
  UNREADABLE: ['bindings', 'js'],
  FUTURE_TIME: ['js'],
  NOT_OBJECT: ['js'],
  APP_KEY: ['js'],
  VALIDATE: ['js'],
  REDIRECT: ['js'],
};

/**
 * What a failure means to someone debugging an integration (`cause`) and what to do (`fix`), by
 * `CODE.REASON` (the precise cause) or `CODE`. Used by `npx allpass-crypto` and the debugging page.
 */
export const HINTS = {
  'INVALID_KEY': {
    cause: 'The key is not a valid Allpass key.',
    fix: 'use the AES-256-CBC key from the Allpass Integration page as it is: 64 characters, 0-9 and a-f',
  },
  'INVALID_KEY.WRONG_LENGTH': {
    cause: 'The key has the wrong length.',
    fix: 'an Allpass key is exactly 64 hex characters: check that nothing was cut off or added',
  },
  'INVALID_KEY.BASE64': {
    cause: 'The key looks base64-encoded, but Allpass keys are hex.',
    fix: 'Allpass keys are hex: copy the key from the Allpass Integration page as it is, without converting it',
  },
  'INVALID_KEY.ARGUMENTS_SWAPPED': {
    cause: 'The key and the data look swapped (the vendor’s sample call passes them the wrong way round).',
    fix: 'the key and the data look swapped: give the 64-character key as the key, and the webhook body or its data field as the data',
  },
  'INVALID_CIPHERTEXT': {
    cause: 'The encrypted data is not hex(IV) + hex(ciphertext).',
    fix: 'pass the webhook body, or its data field exactly as received (it was cut, joined or re-encoded on the way)',
  },
  'INVALID_CIPHERTEXT.BASE64': {
    cause: 'The data looks like base64, but Allpass sends hex (its docs call it “Base64” by mistake).',
    fix: 'Allpass sends hex (its docs call it "Base64" by mistake): pass the data field exactly as received, without converting it',
  },
  'INVALID_CIPHERTEXT.WHOLE_BODY': {
    cause: 'This is a whole webhook body where only its data string was expected.',
    fix: 'pass it as a webhook body (parseWebhook, or the page’s input box, which detects envelopes), or pass only its data field',
  },
  'DECRYPT_FAILED': {
    cause: 'The key does not match this payload, or the payload was altered.',
    fix: 'the key does not match this payload (every Allpass application has its own key: use the one of the application that sent it), or the payload was altered',
  },
  'INVALID_JSON': {
    cause: 'The input is not valid JSON.',
    fix: 'pass the raw request body, or only its data string',
  },
  'INVALID_ENVELOPE': {
    cause: 'This JSON is not an Allpass webhook envelope.',
    fix: 'a webhook body looks like {"status":true,"statusCode":200,"data":"…","time":"…"}',
  },
  'INVALID_ARGUMENT': {
    cause: 'The input has the wrong type or is too large.',
    fix: 'pass text: the webhook body or its data string',
  },
  'RNG_FAILED': {
    cause: 'This platform has no secure random number generator.',
    fix: 'use a current browser or Node.js release',
  },
};

/** The hint for an error (`{ cause, fix }`), the precise one for its reason first; undefined when there is none. */
export function hintFor(error) {
  return HINTS[`${error?.code}.${error?.reason}`] ?? HINTS[error?.code];
}
