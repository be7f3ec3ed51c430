// createLambdaHandler: the webhook endpoint as an AWS Lambda handler. Each event (API Gateway
// REST, HTTP API, an ALB target group, a Function URL) becomes a web `Request` for the one
// handler (./handler.mjs), and its `Response` is answered in the shape the source expects.
import { allpassError } from './errors.mjs';
import { createWebhookHandler } from './handler.mjs';

/** ALB needs a status line; these are the statuses the handler answers. */
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

/** The request headers: every value of `multiValueHeaders` when the event has them, else `headers`
 * (v2 joins repeated headers with commas and sends cookies apart). */
function headersOf(event) {
  const headers = new Headers();
  const add = (name, value) => {
    try {
      headers.append(name, value);
    } catch {
      // A name or value fetch refuses says nothing about the webhook: left out.
    }
  };
  if (event.multiValueHeaders) {
    for (const [name, values] of Object.entries(event.multiValueHeaders)) for (const value of values ?? []) add(name, value);
  } else {
    for (const [name, value] of Object.entries(event.headers ?? {})) if (typeof value === 'string') add(name, value);
  }
  if (Array.isArray(event.cookies) && event.cookies.length > 0) add('cookie', event.cookies.join('; '));
  return headers;
}

/** The request URL, for the callbacks' `context.request` (the host as the client sent it). */
function urlOf(event, format, headers) {
  let path = event.path ?? '/';
  if (format === 'v2') path = `${event.rawPath ?? '/'}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`;
  else {
    const query = new URLSearchParams();
    for (const [name, values] of Object.entries(event.multiValueQueryStringParameters ?? {})) for (const value of values ?? []) query.append(name, value);
    if (!event.multiValueQueryStringParameters) for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) query.append(name, value ?? '');
    if (query.size > 0) path += `?${query}`;
  }
  try {
    return new URL(path, `https://${headers.get('host') ?? event.requestContext?.domainName ?? 'lambda.invalid'}`).href;
  } catch {
    return 'https://lambda.invalid/';
  }
}

/** Base64 to bytes, strictly (atob refuses what is not base64). */
function fromBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The body as the source delivered it: text, or base64 (`isBase64Encoded`). A body that is not
 * base64 becomes a stream that fails, so the handler answers it as any body it cannot read. */
function bodyOf(event) {
  if (typeof event.body !== 'string') return null;
  if (!event.isBase64Encoded) return event.body;
  try {
    return fromBase64(event.body);
  } catch (cause) {
    return new ReadableStream({
      start: (controller) => controller.error(new TypeError('the Lambda event body is marked isBase64Encoded but is not base64', { cause })),
    });
  }
}

/** The `Request` the handler gets: a GET or HEAD carries no body (fetch forbids one). */
function requestOf(event, format) {
  const method = format === 'v2' ? event.requestContext.http.method : event.httpMethod;
  const headers = headersOf(event);
  const body = method === 'GET' || method === 'HEAD' ? null : bodyOf(event);
  return new Request(urlOf(event, format, headers), { method, headers, body, ...(body instanceof ReadableStream ? { duplex: 'half' } : {}) });
}

/** The handler's `Response` in the source's result format. An ALB target group with multi-value
 * headers on wants `multiValueHeaders` back, and every ALB answer a `statusDescription`. */
async function resultOf(response, event, format) {
  const headers = Object.fromEntries(response.headers);
  const result = { statusCode: response.status, headers, body: await response.text(), isBase64Encoded: false };
  if (format !== 'alb') return result;
  result.statusDescription = `${response.status} ${STATUS_TEXT[response.status] ?? ''}`.trim();
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
 * The callbacks' context is `{ request, event, lambdaContext }`. Any other event (the function
 * wired to another trigger) throws INVALID_ARGUMENT: there is no HTTP answer to give it.
 */
export function createLambdaHandler(options) {
  const handler = createWebhookHandler(options);
  return async function allpassLambdaHandler(event, lambdaContext) {
    const format = formatOf(event);
    if (format === undefined) {
      throw allpassError('INVALID_ARGUMENT', 'WRONG_TYPE', 'the Lambda event is not an HTTP request: createLambdaHandler answers API Gateway (REST or HTTP API), Application Load Balancer and Function URL events; check the function\'s trigger');
    }
    const response = await handler(requestOf(event, format), { event, lambdaContext });
    return resultOf(response, event, format);
  };
}
