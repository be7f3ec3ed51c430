// createLambdaHandler: the webhook endpoint as an AWS Lambda handler, for events from API Gateway
// REST and HTTP APIs, ALB target groups and Function URLs. It shares the core (./webhook-core.mjs)
// with createWebhookHandler and createNodeMiddleware, as they share it with each other, and gives
// the core the event's body directly: a web `Request` would load Node's fetch implementation on the
// first invocation, tens of milliseconds of every cold start (benches/RESULTS.md).
import { allpassError } from './errors.mjs';
import { webhookCore } from './webhook-core.mjs';

/** ALB needs a status line; these are the statuses the core answers. */
const STATUS_TEXT = { 200: 'OK', 400: 'Bad Request', 405: 'Method Not Allowed', 413: 'Payload Too Large', 500: 'Internal Server Error' };

/**
 * Which format the event is in: 'alb'; 'v2' (HTTP API payload 2.0, and Function URLs, which use
 * it); 'v1' (REST APIs, and HTTP API payload 1.0); undefined for anything else.
 */
function formatOf(event) {
  if (event === null || typeof event !== 'object') return undefined;
  if (event.requestContext?.elb) return 'alb';
  if (event.version === '2.0' && typeof event.requestContext?.http?.method === 'string') return 'v2';
  if (typeof event.httpMethod === 'string') return 'v1';
  return undefined;
}

/** The Content-Length the client declared (v1 events keep header names as sent, so any case). */
function declaredLength(event) {
  for (const [name, value] of Object.entries(event.multiValueHeaders ?? event.headers ?? {})) {
    if (name.toLowerCase() !== 'content-length') continue;
    const text = Array.isArray(value) ? value[0] : value;
    return typeof text === 'string' && /^\s*\d+\s*$/.test(text) ? Number(text) : undefined;
  }
  return undefined;
}

/** Base64 to bytes, strictly (atob refuses what is not base64). */
function fromBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The answer in the source's result format: no body, `Allow` on a 405 alone (as the other front
 * ends). An ALB wants a `statusDescription`, and `multiValueHeaders` back when the event had them. */
function resultOf(status, event, format) {
  const headers = status === 405 ? { allow: 'POST' } : {};
  const result = { statusCode: status, headers, body: '', isBase64Encoded: false };
  if (format !== 'alb') return result;
  result.statusDescription = `${status} ${STATUS_TEXT[status] ?? ''}`.trim();
  if (event.multiValueHeaders) {
    delete result.headers;
    result.multiValueHeaders = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]]));
  }
  return result;
}

/**
 * `async (event, context) => result` for AWS Lambda, with createWebhookHandler's options and
 * answers (405, 413, the one uniform 400, 500, 200): events from API Gateway REST APIs (v1), HTTP
 * APIs (v2 or 1.0), Application Load Balancers and Function URLs, the body as text or base64.
 * The callbacks' context is `{ event, lambdaContext }`. Any other event (the function wired to
 * another trigger) throws INVALID_ARGUMENT: there is no HTTP answer to give it.
 */
export function createLambdaHandler(options) {
  const core = webhookCore(options);
  return async function allpassLambdaHandler(event, lambdaContext) {
    const format = formatOf(event);
    if (format === undefined) {
      throw allpassError('INVALID_ARGUMENT', 'WRONG_TYPE', 'the Lambda event is not an HTTP request: createLambdaHandler answers API Gateway (REST or HTTP API), Application Load Balancer and Function URL events; check the function\'s trigger');
    }
    const answer = (status) => resultOf(status, event, format);
    if ((format === 'v2' ? event.requestContext.http.method : event.httpMethod) !== 'POST') return answer(405);
    const context = { event, lambdaContext };
    const text = typeof event.body === 'string' ? event.body : '';
    let body = text;
    if (event.isBase64Encoded) {
      try {
        body = fromBase64(text);
      } catch (cause) {
        return answer(core.unreadable(new TypeError('the Lambda event body is marked isBase64Encoded but is not base64', { cause }), context));
      }
    }
    const size = typeof body === 'string' ? new TextEncoder().encode(body).byteLength : body.byteLength;
    if ((declaredLength(event) ?? 0) > core.maxBodyBytes || size > core.maxBodyBytes) body = core.tooLarge;
    return answer(await core.receive(body, context));
  };
}
