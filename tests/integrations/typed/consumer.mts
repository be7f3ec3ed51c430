// Type-checked by types.test.mjs with `tsc --strict` (node16 resolution, skipLibCheck false):
// every export of the integration kit, the event types, in node:http, Express and Hono code.
import http from 'node:http';
import express from 'express';
import { Hono } from 'hono';
import init, {
  createClient,
  createNodeMiddleware,
  createOrder,
  createWebhookHandler,
  encryptRequest,
  initSync,
  isAllpassError,
  isStale,
  memoryLastSeen,
  orderKey,
  parseResponse,
  processInOrder,
} from 'allpass-crypto';
import type {
  AllpassApiError,
  AllpassClient,
  ApiResponse,
  ApplicantEventName,
  ApplicantEventPayload,
  ApplicantProfile,
  ApplicantWebhook,
  EventTime,
  LastSeenStore,
  OrderOutcome,
  Webhook,
  WebhookContext,
} from 'allpass-crypto';

const key = process.env.ALLPASS_KEY ?? '';
const oldKey = process.env.ALLPASS_OLD_KEY ?? '';

// The documented names autocomplete, and a name the docs do not list is still accepted.
const known: ApplicantEventName = 'applicantApproved';
const unknownYet: ApplicantEventName = 'applicantDuplicateEmail';

// A store in Redis or SQL: sync or async, with or without compareAndSet.
const times = new Map<string, string>();
const store: LastSeenStore = {
  get: async (applicantId) => times.get(applicantId),
  set: (applicantId, time) => void times.set(applicantId, String(time)),
};

const handler: (request: Request) => Promise<Response> = createWebhookHandler({
  key: [key, oldKey],
  maxBodyBytes: 256 * 1024,
  lastSeen: store,
  async onEvent(event: ApplicantWebhook, context: WebhookContext) {
    const applicant: string = event.data.id;
    const external: string = event.data.externalUserId;
    const warnings: string[] | undefined = event.data.warnings;
    const step: string | undefined = event.data.stepName;
    const undocumented: unknown = event.data.type; // not documented: unknown, must be checked
    const keyIndex: number = event.keyIndex;
    const url: string = context.request.url;
    console.log(applicant, external, warnings, step, undocumented, keyIndex, url, known, unknownYet);
  },
  onError(error, context) {
    const status: 400 | 413 | 500 = context.status;
    if (isAllpassError(error)) console.warn('rejected webhook', error.code, error.reason, status);
  },
  onStale(event, last: EventTime) {
    console.log('stale', event.data.id, last);
  },
  timeOf: (event) => event.time,
});

// A key given later (read on the first request): sync, async, a list; and the same API as in the browser.
createWebhookHandler({ key: () => process.env.ALLPASS_KEY, onEvent: () => {} });
createNodeMiddleware({ key: async () => [key, oldKey], onEvent: () => {} });
// @ts-expect-error a function must return the key, a list of keys or undefined
createWebhookHandler({ key: () => 42, onEvent: () => {} });
await init();
void initSync;

// A payload type of your own.
interface MyPayload { id: string; verdict: 'ok' | 'no' }
createWebhookHandler<MyPayload>({ key, onEvent: (event: Webhook<MyPayload>) => void event.data.verdict });

// A Worker: its env reaches the callbacks through the handler's second argument.
interface Env { ALLPASS_KEY: string; DB: { put(id: string, value: string): Promise<void> } }
const inWorker = createWebhookHandler<ApplicantEventPayload, { env: Env }>({
  key,
  onEvent: async (event, { env, request }) => void (await env?.DB.put(event.data.id, request.url)),
});
export const worker = { fetch: (request: Request, env: Env) => inWorker(request, { env }) };

// node:http and Express take the middleware as it is.
const middleware = createNodeMiddleware({ key, onEvent: (event, { req, res }) => console.log(event.data.id, req.method, res.headersSent) });
http.createServer((req, res) => {
  if (req.url === '/allpass/webhook') return void middleware(req, res);
  res.writeHead(404).end();
});
const app = express();
app.post('/allpass/webhook', middleware);
app.post('/typed', createNodeMiddleware<ApplicantEventPayload, express.Request, express.Response>({ key, onEvent: (_event, { req }) => void req.ip }));

// Hono.
const hono = new Hono();
hono.post('/allpass/webhook', (c) => handler(c.req.raw));

// The ordering helper, on its own.
const stale: boolean = isStale('2030-01-01T00:00:00.000Z', new Date());
const memory = memoryLastSeen();
const order = createOrder<ApplicantEventPayload>({ lastSeen: memory, onStale: () => {} });
declare const someEvent: ApplicantWebhook;
const orderOf = orderKey(someEvent);
const outcome: Promise<OrderOutcome> = order.run(someEvent, async () => {});
const direct: Promise<OrderOutcome> = processInOrder(someEvent, { lastSeen: store }, () => {});
const casOk: boolean | Promise<boolean> = memory.compareAndSet('a', undefined, '2030-01-01T00:00:00.000Z');
console.log(stale, orderOf?.applicantId, outcome, direct, casOk);

// The public API.
const body: { data: string } = encryptRequest({ externalUserId: 'u-1', flowName: 'Basic KYC' }, key);
const parsed: ApiResponse<ApplicantProfile> = parseResponse<ApplicantProfile>('{"status":true}', [key, oldKey]);
const encrypted: boolean = parsed.encrypted;
const client: AllpassClient = createClient({ baseUrl: 'https://allpass.example', appKey: 'app', key, fetch });
async function useClient() {
  try {
    const created = await client.createApplicant({ externalUserId: 'u-1', flowName: 'Basic KYC', email: 'a@example.com' });
    const id: string = created.data.id;
    const profile: ApplicantProfile = (await client.getApplicant(id)).data;
    const status: unknown = (await client.getApplicantStatus(profile.externalUserId)).data;
    console.log(status, body, encrypted);
  } catch (error) {
    if (isAllpassError(error) && error.code === 'API_ERROR') {
      const httpStatus: number = (error as AllpassApiError).status;
      console.log(httpStatus);
    }
  }
}
void useClient();

// AWS Lambda: every event @types/aws-lambda declares for the four sources is accepted, and the
// result is what each source's handler type wants.
import { createLambdaHandler } from 'allpass-crypto/lambda';
import type { ALBHandler, APIGatewayProxyHandler, APIGatewayProxyHandlerV2, LambdaFunctionURLHandler } from 'aws-lambda';
const lambdaHandler = createLambdaHandler({
  key,
  onEvent: (event, { event: lambdaEvent, lambdaContext }) => void [event.data.id, lambdaEvent.body, lambdaContext],
});
export const lambdaHandlers: [APIGatewayProxyHandler, APIGatewayProxyHandlerV2, LambdaFunctionURLHandler, ALBHandler] = [lambdaHandler, lambdaHandler, lambdaHandler, lambdaHandler];
