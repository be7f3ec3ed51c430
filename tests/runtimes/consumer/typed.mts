// Type-checked with `tsc --noEmit --strict` (node16 resolution), as ESM and, copied to typed.cts
// by run.mjs, as CommonJS: the .d.ts files are checked, not assumed.
import { AllpassCipher, configure, createWebhook, decryptData, encryptData, generateKey, isAllpassError, parseWebhook } from 'allpass-crypto';
import type { AllpassError, AllpassErrorCode, AllpassErrorReason, AllpassSettings, Webhook, WebhookEnvelope } from 'allpass-crypto';

const key: string = generateKey();
const sealed: string = encryptData({ event: 'typed' }, key);
const text: string = decryptData(sealed, key);
const envelope: WebhookEnvelope = createWebhook({ event: 'typed' }, key, { time: new Date() });
const webhook: Webhook = parseWebhook(JSON.stringify(envelope), key);
const fromBytes: Webhook = parseWebhook(new TextEncoder().encode(JSON.stringify(envelope)), key);
const cipher = new AllpassCipher(key);
const again: string = cipher.encrypt({ n: 1 });
const parsed: unknown = cipher.decryptJson(again);
cipher.free();
try {
  decryptData(text, key);
} catch (error) {
  const code: AllpassErrorCode = (error as AllpassError).code;
  console.log(code, webhook.statusCode, fromBytes.time, parsed);
  if (isAllpassError(error)) {
    const reason: AllpassErrorReason | undefined = error.reason; // narrowed without a cast
    console.log(reason);
  }
}
const rotating = new AllpassCipher([generateKey(), key]);
const opened: Webhook = rotating.parseWebhook(JSON.stringify(rotating.createWebhook({ n: 2 })));
const index: number = parseWebhook(JSON.stringify(envelope), [generateKey(), key] as const).keyIndex;
console.log(opened.keyIndex, index);
rotating.free();
const settings: AllpassSettings = configure({ maxInputLength: 1024 });
console.log(settings.maxInputLength);
// @ts-expect-error the key is a string, not bytes
decryptData(sealed, new Uint8Array(32));
// @ts-expect-error status is a boolean
const wrong: WebhookEnvelope = { status: 'yes', statusCode: 200, data: '', time: '' };
console.log(wrong);
