// `allpass-crypto/lambda`'s declarations, for `require` and `import` alike (lambda.d.mts re-exports them).
import type { ApplicantEventPayload, WebhookOptions } from './lib/types.cjs';

/**
 * The parts of a Lambda HTTP event the handler reads, in each of the four shapes:
 * API Gateway REST (v1) and HTTP API payload 1.0 (`httpMethod`, `path`), HTTP API payload 2.0 and
 * Function URLs (`version: '2.0'`, `requestContext.http.method`, `rawPath`), an Application Load
 * Balancer (`requestContext.elb`; `multiValueHeaders` when the target group has them on).
 * `@types/aws-lambda`'s APIGatewayProxyEvent, APIGatewayProxyEventV2, ALBEvent and
 * LambdaFunctionURLEvent are all assignable to it.
 */
export interface LambdaHttpEvent {
  version?: string;
  httpMethod?: string;
  path?: string;
  rawPath?: string;
  rawQueryString?: string;
  headers?: { [name: string]: string | undefined } | null;
  multiValueHeaders?: { [name: string]: string[] | undefined } | null;
  queryStringParameters?: { [name: string]: string | undefined } | null;
  multiValueQueryStringParameters?: { [name: string]: string[] | undefined } | null;
  cookies?: string[];
  /** `http.method` (v2), `elb` (ALB), `domainName`: read when present. */
  requestContext?: object;
  body?: string | null;
  isBase64Encoded?: boolean;
}

/** The answer, in the event's own result format (ALB adds `statusDescription`, and
 * `multiValueHeaders` instead of `headers` when the event had them). */
export interface LambdaHttpResult {
  statusCode: number;
  statusDescription?: string;
  headers?: { [name: string]: string };
  multiValueHeaders?: { [name: string]: string[] };
  body: string;
  isBase64Encoded: boolean;
}

/** What the callbacks get as context: the event, and Lambda's context. */
export interface LambdaWebhookContext {
  event: LambdaHttpEvent;
  lambdaContext?: unknown;
}

/**
 * `async (event, context) => result` for AWS Lambda, with createWebhookHandler's options and
 * answers (405, 413, the one uniform 400, 500, 200), for API Gateway REST and HTTP APIs,
 * Application Load Balancers and Function URLs, the body as text or base64 (`isBase64Encoded`).
 * An event that is not an HTTP request throws `INVALID_ARGUMENT` (`WRONG_TYPE`).
 */
export function createLambdaHandler<T = ApplicantEventPayload>(
  options: WebhookOptions<T, LambdaWebhookContext>,
): (event: LambdaHttpEvent, context?: unknown) => Promise<LambdaHttpResult>;
