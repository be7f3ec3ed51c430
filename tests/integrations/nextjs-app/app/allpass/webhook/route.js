import { createWebhookHandler } from 'allpass-crypto';
import { saveVerification } from '@/lib/verifications';

export const POST = createWebhookHandler({
  key: () => process.env.ALLPASS_KEY, // read on the first request: `next build` needs no secret
  onEvent: (event) => saveVerification(event.data),
});
