// Type-checked with `tsc --noEmit --strict` (bundler resolution): the browser build's types.
import init, { decryptData, generateKey } from 'allpass-crypto';
import type { AllpassErrorCode } from 'allpass-crypto';

await init();
const key: string = generateKey();
const code: AllpassErrorCode = 'DECRYPT_FAILED';
// @ts-expect-error not a documented code
const unknownCode: AllpassErrorCode = 'OOPS';
console.log(decryptData('00', key), code, unknownCode);
