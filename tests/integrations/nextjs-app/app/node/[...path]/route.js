// The behaviour table's server (tests/integrations/behaviour.mjs) on the Node.js runtime: POST,
// GET and PUT /node/webhook reach the handler, GET /node/log what its callbacks saw.
import { createWebhookHandler } from 'allpass-crypto';
import { recorder } from '@/recorder.mjs';

export const dynamic = 'force-dynamic';
const record = recorder({ keys: () => JSON.parse(process.env.ALLPASS_TEST_CONFIG).keys, maxBodyBytes: 64 * 1024 });
const handler = createWebhookHandler(record.options);
const serve = (request) => (new URL(request.url).pathname.endsWith('/log') ? Response.json(record.take()) : handler(request));
export { serve as GET, serve as POST, serve as PUT };
