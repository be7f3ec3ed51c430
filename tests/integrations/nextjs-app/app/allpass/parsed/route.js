// A route that reads the JSON itself before the handler (to log or route on it), then passes the
// object on in a new Request: README, Receive webhooks, Next.js.
import { createWebhookHandler } from 'allpass-crypto';
import { saveVerification } from '@/lib/verifications';

const allpass = createWebhookHandler({
  key: () => process.env.ALLPASS_KEY,
  onEvent: (event) => saveVerification(event.data),
});

export async function POST(request) {
  const body = await request.json();
  return allpass(new Request(request.url, { method: 'POST', headers: request.headers, body: JSON.stringify(body) }));
}
