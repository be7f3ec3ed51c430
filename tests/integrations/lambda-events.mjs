// @ts-check
// Lambda events as AWS delivers them, made from an HTTP request, and the Lambda result turned back
// into the HTTP answer, as API Gateway, an ALB or a Function URL do: the four sources in front
// of createLambdaHandler. The shapes are @types/aws-lambda's (type-checked against it by
// lambda.test.mjs), filled as AWS's documentation's examples are.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';

/**
 * A request as the source received it.
 * @typedef {{ method: string, path: string, headers: Record<string, string>, body: Buffer }} HttpRequest
 */

/** Content types API Gateway's HTTP APIs, ALBs and Function URLs pass as text; the rest arrive base64. */
const isText = (headers) => /^(text\/|application\/(json|javascript|xml)|[^;]*\+json)/i.test(headers['content-type'] ?? '');

/** The body as the event carries it: base64 when `base64`, else the text. */
const encoded = (body, base64) => (body.length === 0 ? null : base64 ? body.toString('base64') : body.toString('utf8'));

const now = () => new Date();
const ACCOUNT = '123456789012';

/**
 * API Gateway REST API, Lambda proxy integration (payload 1.0). `binary`: the API's
 * binaryMediaTypes match every type (`*\/*`), so every body arrives base64.
 * @param {HttpRequest} request
 * @returns {import('aws-lambda').APIGatewayProxyEvent}
 */
export function restApiEvent(request, { binary = false } = {}) {
  const time = now();
  return {
    resource: request.path,
    path: request.path,
    httpMethod: request.method,
    headers: request.headers,
    multiValueHeaders: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      accountId: ACCOUNT,
      apiId: '1234567890',
      authorizer: undefined,
      domainName: request.headers.host,
      domainPrefix: request.headers.host?.split('.')[0],
      extendedRequestId: 'ZZ6ysF2sIAMEbDg=',
      httpMethod: request.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '203.0.113.7',
        user: null,
        userAgent: request.headers['user-agent'] ?? null,
        userArn: null,
      },
      path: `/prod${request.path}`,
      protocol: 'HTTP/1.1',
      requestId: randomUUID(),
      requestTime: time.toUTCString(),
      requestTimeEpoch: time.getTime(),
      resourceId: 'abcdef',
      resourcePath: request.path,
      stage: 'prod',
    },
    body: encoded(request.body, binary),
    isBase64Encoded: binary && request.body.length > 0,
  };
}

/**
 * The payload 2.0 format: an HTTP API's, and a Function URL's (`functionUrl`: its domain, route
 * and stage).
 * @param {HttpRequest} request
 * @returns {import('aws-lambda').APIGatewayProxyEventV2}
 */
function payloadV2Event(request, { functionUrl = false } = {}) {
  const time = now();
  const apiId = functionUrl ? 'a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6' : 'r3pmxmplak';
  const domainName = functionUrl ? `${apiId}.lambda-url.us-east-1.on.aws` : `${apiId}.execute-api.us-east-2.amazonaws.com`;
  const routeKey = functionUrl ? '$default' : `${request.method} ${request.path}`;
  const base64 = !isText(request.headers);
  return {
    version: '2.0',
    routeKey,
    rawPath: request.path,
    rawQueryString: '',
    headers: { ...request.headers, host: domainName },
    requestContext: {
      accountId: functionUrl ? 'anonymous' : ACCOUNT,
      apiId,
      domainName,
      domainPrefix: apiId,
      http: { method: request.method, path: request.path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: request.headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: time.toUTCString(),
      timeEpoch: time.getTime(),
    },
    ...(request.body.length > 0 ? { body: /** @type {string} */ (encoded(request.body, base64)) } : {}),
    isBase64Encoded: base64 && request.body.length > 0,
  };
}

/** @param {HttpRequest} request */
export const httpApiEvent = (request) => payloadV2Event(request);

/**
 * @param {HttpRequest} request
 * @returns {import('aws-lambda').LambdaFunctionURLEvent}
 */
export const functionUrlEvent = (request) => payloadV2Event(request, { functionUrl: true });

/**
 * An Application Load Balancer target group; `multiValue`: multi-value headers on (the event
 * then has multiValueHeaders and multiValueQueryStringParameters instead).
 * @param {HttpRequest} request
 * @returns {import('aws-lambda').ALBEvent}
 */
export function albEvent(request, { multiValue = false } = {}) {
  const base64 = !isText(request.headers);
  const shared = {
    requestContext: { elb: { targetGroupArn: `arn:aws:elasticloadbalancing:us-east-2:${ACCOUNT}:targetgroup/lambda-279XGJDqGZ5rsrHC2Fjr/49e9d65c45c6791a` } },
    httpMethod: request.method,
    path: request.path,
    body: encoded(request.body, base64) ?? '',
    isBase64Encoded: base64 && request.body.length > 0,
  };
  return multiValue
    ? { ...shared, multiValueQueryStringParameters: {}, multiValueHeaders: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, [value]])) }
    : { ...shared, queryStringParameters: {}, headers: request.headers };
}

/** The sources, by name: the event each makes, and what its result must have. */
export const SOURCES = {
  'API Gateway REST API': { event: (request) => restApiEvent(request) },
  'API Gateway REST API, binary media types `*/*`': { event: (request) => restApiEvent(request, { binary: true }) },
  'HTTP API (payload 1.0)': { event: (request) => ({ ...restApiEvent(request), version: '1.0' }) },
  'HTTP API (payload 2.0)': { event: httpApiEvent },
  'Function URL': { event: functionUrlEvent },
  ALB: { event: (request) => albEvent(request), alb: true },
  'ALB, multi-value headers': { event: (request) => albEvent(request, { multiValue: true }), alb: true, multiValue: true },
};

/**
 * The HTTP answer the source makes of a Lambda result, or why it would refuse it (API Gateway
 * and ALBs answer 502 to a result they cannot read): `{ status, headers, body }` or `{ error }`.
 * @param {any} result
 * @param {{ alb?: boolean, multiValue?: boolean }} source
 */
export function answerOf(result, source) {
  if (result === null || typeof result !== 'object') return { error: `the result is ${result === null ? 'null' : typeof result}` };
  if (!Number.isInteger(result.statusCode)) return { error: 'no statusCode' };
  if (typeof result.body !== 'string' || typeof result.isBase64Encoded !== 'boolean') return { error: 'body or isBase64Encoded missing' };
  if (source.alb && result.statusDescription !== `${result.statusCode} ${STATUS_CODES[result.statusCode]}`) return { error: `statusDescription ${result.statusDescription}` };
  if (source.multiValue && (result.headers !== undefined || typeof result.multiValueHeaders !== 'object')) return { error: 'a multi-value ALB wants multiValueHeaders, not headers' };
  const headers = source.multiValue ? Object.fromEntries(Object.entries(result.multiValueHeaders).map(([name, values]) => [name, values.join(', ')])) : { ...result.headers };
  return { status: result.statusCode, headers, body: Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') };
}

