// The package's own declarations: the errors of every layer, and the JavaScript layer (lib/*.mjs:
// handlers, stores, API client, type guards). Each entry's .d.mts/.d.cts re-exports this file
// beside its WebAssembly build's .d.ts, which declares the core API and the types below import.
// A .d.cts, importing the glue's CommonJS-flavoured .d.cts: an ES-module declaration file could not be
// re-exported by node.d.cts under `module: node16` (TS1479); ES modules may import either.
// The code and reason unions are checked against lib/codes.mjs by tests/node/codes.test.mjs, and
// lib/*.mjs against these declarations by tests/integrations/types.test.mjs (checkJs).
import type { AllpassKey, Webhook } from '../dist/web/allpass_crypto.cjs';

/** The stable code on every error this package throws, as `error.code`. */
export type AllpassErrorCode =
  | 'INVALID_KEY' | 'INVALID_CIPHERTEXT' | 'DECRYPT_FAILED' | 'INVALID_JSON'
  | 'INVALID_ENVELOPE' | 'INVALID_ARGUMENT' | 'RNG_FAILED'
  /** Thrown by the API client (`createClient`): a non-2xx answer, a redirect or `status: false`. */
  | 'API_ERROR'
  /** Given to a webhook handler's `onError`: a body made of another body's ciphertext blocks (a forgery). */
  | 'TAMPERED'
  /** Given to `onError`: a decrypted payload the handler refuses (not an object, another `appKey`, your `validate`). */
  | 'INVALID_PAYLOAD'
  /** Given to `onError`: the store could not take or keep the applicant's lock, or `compareAndSet` never succeeded. */
  | 'STORE_FAILED';
/**
 * The specific, public cause of a format error, as `error.reason` (absent on `DECRYPT_FAILED`,
 * whose cause stays secret, and on `INVALID_JSON` / `INVALID_ENVELOPE`, whose message says it).
 */
export type AllpassErrorReason =
  | 'EMPTY' | 'WRONG_LENGTH' | 'BASE64' | 'NON_HEX' | 'ARGUMENTS_SWAPPED' | 'KEY_COUNT' | 'WHOLE_BODY'
  | 'ODD_LENGTH' | 'TOO_SHORT' | 'NOT_WHOLE_BLOCKS' | 'TOO_LONG'
  | 'WRONG_TYPE' | 'NOT_SERIALIZABLE' | 'NO_BODY' | 'UNREADABLE'
  /** JavaScript-layer causes: see `INVALID_ENVELOPE`, `INVALID_PAYLOAD`, `API_ERROR`. */
  | 'FUTURE_TIME' | 'NOT_OBJECT' | 'APP_KEY' | 'VALIDATE' | 'REDIRECT';
/** What every function of this package throws: an `Error` named `AllpassCryptoError`. */
export interface AllpassError extends Error {
  name: 'AllpassCryptoError';
  code: AllpassErrorCode;
  reason?: AllpassErrorReason;
}

/** True when `value` is an error thrown by this package (an `AllpassError`), whatever realm or copy of the package threw it. */
export function isAllpassError(value: unknown): value is AllpassError;

// ---- Applicant events, as documented by the vendor -------------------------------------------

/**
 * The applicant webhook names, as documented by the vendor ("Applicant Webhooks"). The list is
 * not known to be complete (the docs also mention duplicate / expired-document and duplicate
 * email / phone events without naming them), so any other string is accepted too.
 *
 * NOT documented: which payload field carries this name (the vendor's example block is empty).
 * The types therefore do not claim one; read it from the payload as `unknown` and check it.
 */
export type ApplicantEventName =
  | 'applicantCreated' | 'applicantInProgress' | 'applicantIncomplete' | 'applicantInReview'
  | 'applicantRejected' | 'applicantApproved' | 'applicantCompleted' | 'applicantOnHold'
  | 'applicantStepPassed'
  | (string & {});

/**
 * An applicant webhook's decrypted payload, as documented by the vendor: `id`, `externalUserId`
 * and `appKey` required, `warnings` and `stepName` optional. Every other field is undocumented
 * and typed `unknown` (check it before use), including the one that names the event.
 */
export interface ApplicantEventPayload {
  /** The applicant (a UUID): what event order is kept per. */
  id: string;
  /** Your own id for the user, as given when the applicant was created. */
  externalUserId: string;
  /** The application (a UUID). */
  appKey: string;
  warnings?: string[];
  stepName?: string;
  readonly [field: string]: unknown;
}

/** A decrypted applicant webhook. */
export type ApplicantWebhook = Webhook<ApplicantEventPayload>;

// ---- Receiving webhooks: createWebhookHandler, createNodeMiddleware -------------------------

/** A time as ordering reads it: an ISO-8601 string (the envelope's `time`), a Date, or milliseconds. */
export type EventTime = string | Date | number;

/**
 * Where the time of the last processed event per applicant is kept (Redis, SQL, a Map…); sync
 * or async. `set` is called only after `onEvent` succeeded, with what `timeOf` returned (by
 * default the envelope's `time` string).
 */
export interface LastSeenStore {
  get(applicantId: string): EventTime | null | undefined | Promise<EventTime | null | undefined>;
  set(applicantId: string, time: EventTime): unknown;
  /**
   * Optional, atomic: store `time` only if the stored value is still `expected` (what `get`
   * returned; `undefined`/`null` for none) and say whether it did. With it the recorded time
   * never goes backwards when deliveries race, across processes too.
   */
  compareAndSet?(applicantId: string, expected: EventTime | null | undefined, time: EventTime): boolean | Promise<boolean>;
}

/** The statuses a webhook is answered with. */
export type WebhookStatus = 200 | 400 | 405 | 413 | 500;

/** Options of `createWebhookHandler` and `createNodeMiddleware`: `onEvent` here, or `durable: true` and `onEvent` in `startWorker`. `C`: what the callbacks get as context. */
export type WebhookOptions<T = ApplicantEventPayload, C = WebhookContext> = InlineWebhookOptions<T, C> | DurableWebhookOptions<T, C>;

/** The inline mode (the default): `onEvent` runs inside the request; 200 once it resolved. */
export interface InlineWebhookOptions<T = ApplicantEventPayload, C = WebhookContext> extends WebhookOptionsBase<T, C> {
  /**
   * Handles one event. Resolve to answer 200; throw or reject to answer 500 (the vendor retries).
   * `context.signal` is aborted when the store's hold on the applicant is being lost (its lease or
   * transaction ends: `maxHoldMs`), before another process may start the applicant's next
   * event: stop writing then. The shared stores add `db` (PostgreSQL) or `fencingToken` (Redis).
   */
  onEvent(event: Webhook<T>, context: C & { signal: AbortSignal }): unknown;
  durable?: false;
}

/**
 * Durable mode: each accepted delivery is kept in the store, its data still encrypted, and
 * answered 200; `onEvent` is not here but in `startWorker`. Duplicates and stale events are
 * decided as in the inline mode.
 */
export interface DurableWebhookOptions<T = ApplicantEventPayload, C = WebhookContext> extends WebhookOptionsBase<T, C> {
  durable: true;
  store: DurableStore;
  onEvent?: undefined;
}

/** What both modes take. */
export interface WebhookOptionsBase<T = ApplicantEventPayload, C = WebhookContext> {
  /**
   * The key, or the keys while rotating (newest first): an event under any of them is accepted.
   * Or a function returning either (sync or async), called on the first request, not at start-up
   * (so a build without the secret succeeds): the cipher is kept once it succeeds; a missing or
   * bad key answers 500 (`INVALID_KEY` to `onError`) and is asked for again on the next request.
   * A key given as a value that is not a key throws at once.
   */
  key: AllpassKey | (() => AllpassKey | undefined | PromiseLike<AllpassKey | undefined>);
  /**
   * Told why a request was not answered 200: the cause (an `AllpassError` with its `code`, or
   * what `onEvent` / the store threw) and the status sent. Not awaited; its failures are ignored.
   * Log `error.code`, never the body or the key.
   */
  onError?(error: unknown, context: C & { status: Exclude<WebhookStatus, 200 | 405> }): unknown;
  /** The largest body read, in bytes (default 64 KiB); a larger one is answered 413 without reading it all. */
  maxBodyBytes?: number;
  /** Keeps event order per applicant: an event older than the last processed one is answered 200 but not passed on. */
  lastSeen?: LastSeenStore;
  /** Called instead of `onEvent` for a stale event, with the stored time it is older than. */
  onStale?(event: Webhook<T>, lastSeen: EventTime): unknown;
  /** The time to order by (default: the envelope's `time`, the only documented timestamp). */
  timeOf?(event: Webhook<T>): EventTime;
  /**
   * Where order, duplicates and the per-applicant lock live (default: `memoryStore()`, this
   * process). `postgresStore` (`allpass-crypto/postgres`) and `redisStore` (`allpass-crypto/redis`)
   * share them across processes. Give `store` or `lastSeen`, not both.
   */
  store?: WebhookStore;
  /** Called instead of `onEvent` for a delivery already handled for its applicant (the same body, whatever its envelope `time`; or the same payload with the same `time`). Answered 200. */
  onDuplicate?(event: Webhook<T>): unknown;
  /** Your application key: a payload whose `appKey` is missing or another is refused (400, `INVALID_PAYLOAD`, reason `APP_KEY`). Recommended. */
  appKey?: string;
  /** Your own rule, awaited: return (or resolve to) `false`, or throw (reject), to refuse a payload (400, `INVALID_PAYLOAD`, reason `VALIDATE`); anything else accepts it. */
  validate?(payload: T): unknown;
  /** How far in the future an envelope `time` may be (default 5 minutes); later is refused (400, `INVALID_ENVELOPE`, reason `FUTURE_TIME`). */
  clockSkewMs?: number;
  /** For the default `memoryStore()` only (with `store`, give it to the store): block fingerprints per tier (`memoryStore`'s `rememberBlocks`). */
  rememberBlocks?: number;
}

/** A body before decryption, as a store's block memory sees it. */
export interface Delivery {
  /** The first 128 bits of SHA-256 over the lowercase hex `data` (32 hex characters): the body's identity. */
  bodyDigest: string;
  /** Each 16-byte block's first 8 bytes as two 32-bit words (the IV first). */
  words: Uint32Array;
  /** The same fingerprints as 16 hex characters each. */
  blocks: string[];
}

/** What a store is asked before an event is handled. */
export interface StoreClaim {
  /** The payload's `id`, or null (the event is not ordered). */
  applicantId: string | null;
  /** The time to order by (ms since 1970): the earlier of the event's time and when its body was first seen; null without an applicant id. */
  time: number | null;
  /** That time as the handler got it (the envelope's ISO string, or `timeOf`'s value) when it was not moved earlier; else its ISO string. */
  eventTime: EventTime;
  /** What identifies the delivery (32 hex characters each): its body digest, and its payload with its envelope time. It is a duplicate when any of them was handled for the applicant. */
  ids: string[];
}

/** A store's answer: the delivery was handled before, the event is stale, or it may proceed (the applicant held until commit or abort). */
export type StoreLease =
  | { outcome: 'duplicate' }
  | { outcome: 'stale'; last: EventTime }
  | {
      outcome: 'proceed';
      /** Merged into `onEvent`'s context (postgresStore: `{ db }`, the transaction's client; redisStore: `{ fencingToken }`). */
      context?: object;
      /** Aborted when the hold on the applicant is being lost (a lease or transaction ending), before another process may start the applicant's next event; passed to `onEvent` as `context.signal`. */
      signal: AbortSignal;
      /** Records the time and the ids as handled, then lets the applicant go. */
      commit(): Promise<void>;
      /** Lets the applicant go without recording anything. */
      abort(error?: unknown): Promise<void>;
    };

/**
 * The store contract: order (an event older than the newest handled for its applicant is not
 * handled), once (a delivery handled for an applicant is never handled again), one at a time
 * (`begin` waits, bounded, while another event of the applicant is being handled; a crashed
 * holder is let go after its lease), and a block memory (`screen`, `claim`) that refuses bodies
 * made of another body's blocks before they are decrypted. Implement it for your own database;
 * without `screen`, the handler screens in its own process.
 */
export interface WebhookStore {
  begin(claim: StoreClaim): Promise<StoreLease>;
  /** Before decryption: `tampered` when the body reuses a block of another body; else when it was first seen (ms). Its free blocks are claimed for it at once, whatever the answer. */
  screen?(delivery: Delivery): Promise<{ tampered: boolean; firstSeen: number }>;
  /** The body decrypted to an acceptable payload: its blocks are kept where garbage cannot push them out (the shared stores: for good). */
  claim?(delivery: Delivery): Promise<void>;
  /** Creates what the store needs; idempotent, safe when several instances start at once. */
  migrate?(): Promise<void>;
}

/** An event kept in durable mode, as the `events` functions show it. */
export interface StoredEvent {
  id: string;
  /** null for an event without an applicant id (not ordered). */
  applicantId: string | null;
  state: 'pending' | 'done' | 'dead';
  attempts: number;
  receivedAt: string;
  /** When a pending event is due (null otherwise). */
  runAt: string | null;
  finishedAt: string | null;
  lastError: string | null;
}

/** See and act on the events kept in durable mode (also `npx allpass-crypto events`). */
export interface StoredEvents {
  stats(): Promise<{ pending: number; oldestPendingMs: number | null; dead: number; done: number }>;
  list(options?: { dead?: boolean; applicantId?: string; limit?: number }): Promise<StoredEvent[]>;
  /** With the envelope as kept: `data` encrypted. */
  show(id: string): Promise<(StoredEvent & { envelope: { status: unknown; statusCode: unknown; data: string; time: string } }) | null>;
  /** Dead events due again, attempts from 0: one, or all (`{ dead: true }`); one that a newer event of its applicant overtook stays dead (newest wins). */
  retry(which: string | { dead: true }): Promise<{ retried: string[]; superseded: string[]; missing: string[] }>;
}

/** A store that keeps events for durable mode (`postgresStore`). */
export interface DurableStore extends WebhookStore {
  enqueue(claim: StoreClaim & { envelope: object }): Promise<{ outcome: 'duplicate' } | { outcome: 'stale'; last: EventTime } | { outcome: 'queued' }>;
  /** What the workers use. */
  queue: object;
  events: StoredEvents;
}

/** Options of `startWorker`. */
export interface WorkerOptions<T = ApplicantEventPayload> {
  /** The key (or keys, newest first, or a function returning either) the events were encrypted with. */
  key: AllpassKey | (() => AllpassKey | undefined | PromiseLike<AllpassKey | undefined>);
  store: DurableStore;
  /**
   * Applies one event; resolve when done, throw to retry it later. PostgreSQL: `db` is the client
   * of the transaction that marks the event done (exactly once for what you write through it);
   * `signal` is aborted if its connection is lost or `maxHoldMs` has passed. `attempt` counts from 1.
   */
  onEvent(event: Webhook<T>, context: { db?: unknown; signal: AbortSignal; id: string; attempt: number }): unknown;
  /** Told of each failed attempt (`dead` when it was the last) and of the store's own failures. */
  onError?(error: unknown, context: { id?: string; attempt?: number; dead?: boolean }): unknown;
  /** Events processed at once, each of another applicant (default 4). The pool needs one client more than this. */
  concurrency?: number;
  /** Attempts before an event is dead (default 25: 3.4 days with the default delays). */
  maxAttempts?: number;
  /** The first retry's delay (default 10 s), doubling each time, ±10%. */
  retryDelayMs?: number;
  /** The longest delay between two attempts (default 6 h). */
  maxRetryDelayMs?: number;
  /** How long a worker that died keeps its event before another takes it (default 30 s). */
  leaseMs?: number;
  /** How long one attempt's `onEvent` may run (default 60 s): then `signal` is aborted and the attempt fails (PostgreSQL: its transaction rolled back), to be retried. */
  maxHoldMs?: number;
  /** The safety net under the store's wake-ups: look for due events this often (default 2 s). */
  pollMs?: number;
  /** How long done events are kept (default 7 days); dead ones are kept until retried or deleted by you. */
  retentionMs?: number;
}

/** Starts processing the events kept in durable mode; `stop()` resolves once the events in hand are finished. */
export function startWorker<T = ApplicantEventPayload>(options: WorkerOptions<T>): { stop(): Promise<void> };

/** The store in this process's memory (one process, tests). With `lastSeen`, the times go there. */
export function memoryStore(options?: {
  lastSeen?: LastSeenStore;
  /** Block fingerprints per tier (two tiers): the last half of it at least (default 2^18: 2^17 blocks, 2 MiB of ciphertext, in 4 MiB a tier). */
  rememberBlocks?: number;
  /** Applicant records kept (last time, handled deliveries), the least recently used forgotten first (default 65,536). */
  applicants?: number;
  /** How long an event waits while another event of its applicant is handled (default 10 s); then `STORE_FAILED` (500, retried). */
  lockWaitMs?: number;
}): WebhookStore;

/** What `createWebhookHandler`'s callbacks get as context. */
export interface WebhookContext {
  request: Request;
}

/** The parts of node:http's IncomingMessage the middleware uses (Express and Connect requests have them). */
export interface NodeRequestLike {
  method?: string;
  headers: { [name: string]: string | string[] | undefined };
  /** Set by a body parser that already ran: the raw string or Buffer, or the parsed object. */
  body?: unknown;
  readable?: boolean;
  readableEnded?: boolean;
  readableDidRead?: boolean;
  on(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
  pause(): unknown;
}

/** The parts of node:http's ServerResponse the middleware uses. */
export interface NodeResponseLike {
  headersSent: boolean;
  writableEnded?: boolean;
  writeHead(statusCode: number, headers: { [name: string]: string }): unknown;
  end(): unknown;
}

/** What `createNodeMiddleware`'s callbacks get as context. */
export interface NodeWebhookContext<Req extends NodeRequestLike = NodeRequestLike, Res extends NodeResponseLike = NodeResponseLike> {
  req: Req;
  res: Res;
}

/**
 * A web-standard webhook endpoint, `(request) => Promise<Response>`, for Next.js route
 * handlers, Hono, Cloudflare Workers, Deno.serve and Bun.serve. Answers: 405 unless POST; 413
 * for a body over `maxBodyBytes` (not read to the end); 400, always identical (no body), for
 * anything that cannot be read, parsed or decrypted; 500 when `onEvent` or the store fails;
 * else 200 (a stale event too). `extra`, when given (a Worker's `{ env, ctx }`), is spread into
 * the callbacks' context beside `request`.
 */
export function createWebhookHandler<T = ApplicantEventPayload, E extends object = {}>(
  options: WebhookOptions<T, WebhookContext & Partial<E>>,
): (request: Request, extra?: E) => Promise<Response>;

/**
 * The same endpoint as middleware for node:http, Express and Connect (`(req, res, next?)`),
 * and through `request.raw` / `reply.raw` Fastify, through `ctx.req` / `ctx.res` Koa. Uses
 * `req.body` when a body parser already ran, else reads the stream (at most `maxBodyBytes`).
 * Answers every request itself; never calls `next`.
 */
export function createNodeMiddleware<T = ApplicantEventPayload, Req extends NodeRequestLike = NodeRequestLike, Res extends NodeResponseLike = NodeResponseLike>(
  options: WebhookOptions<T, NodeWebhookContext<Req, Res>>,
): (req: Req, res: Res, next?: (error?: unknown) => void) => Promise<void>;

// ---- Event order: the helper the handlers use ------------------------------------------------

/** Ordering options: the store, the time to order by, what to do with a stale event. */
export interface OrderOptions<T = ApplicantEventPayload> {
  lastSeen?: LastSeenStore;
  timeOf?(event: Webhook<T>): EventTime;
  onStale?(event: Webhook<T>, lastSeen: EventTime): unknown;
}

/** What `processInOrder` did: handled it, skipped it as stale, or handled it unordered (no applicant id, or no store). */
export type OrderOutcome = 'handled' | 'stale' | 'unordered';

/** The ordering rule alone: true when `time` is older than `lastSeen` (equal is not stale). Throws a `TypeError` for a time that is not a date. */
export function isStale(time: EventTime, lastSeen: EventTime | null | undefined): boolean;

/** `{ applicantId, time }` of an event (the payload's `id`; `timeOf(event)` or the envelope's `time`), or `null` when the payload has no string `id`. */
export function orderKey<T>(event: Webhook<T>, timeOf?: (event: Webhook<T>) => EventTime): { applicantId: string; time: EventTime } | null;

/**
 * Runs `handle()` unless the event is stale, then records its time. Calls for one applicant
 * through one `createOrder` run one at a time; across processes see `LastSeenStore.compareAndSet`.
 */
export function processInOrder<T>(event: Webhook<T>, options: OrderOptions<T>, handle: () => unknown): Promise<OrderOutcome>;

/** The ordering state a handler keeps (a queue per applicant in this process): `run` as `processInOrder`. */
export function createOrder<T = ApplicantEventPayload>(options?: OrderOptions<T>): { run(event: Webhook<T>, handle: () => unknown): Promise<OrderOutcome> };

/** A `LastSeenStore` in memory (with `compareAndSet`): for one process, and tests. */
export function memoryLastSeen(): Required<LastSeenStore> & { get(applicantId: string): EventTime | undefined };

// ---- The public API (Open API), as documented by the vendor ----------------------------------

/** `POST /api/public/applicant`'s body, as documented by the vendor. */
export interface CreateApplicantBody {
  /** Your own id for the user. */
  externalUserId: string;
  /** The verification flow's name. */
  flowName: string;
  phone?: string;
  email?: string;
  /** The language the results are shown to the applicant in. */
  lang?: string;
  /** Data to compare with what is read from the applicant's documents. */
  suppliedInfo?: Record<string, unknown>;
  readonly [field: string]: unknown;
}

/**
 * An applicant profile, as documented by the vendor's response example (`id`, `externalUserId`,
 * `status` such as `INIT`, `review`, `servicesData`, …); beyond `id` and `externalUserId` the
 * docs give no guarantees, so the rest is `unknown`.
 */
export interface ApplicantProfile {
  id: string;
  externalUserId: string;
  status?: string;
  readonly [field: string]: unknown;
}

/** A parsed API answer: the envelope, `data` decrypted when it came encrypted. */
export interface ApiResponse<T = unknown> {
  status: boolean;
  statusCode: number;
  data: T;
  /** True when `data` came encrypted (and was decrypted); false when the vendor sent it in clear. */
  encrypted: boolean;
  /** With `encrypted`: which key of the list decrypted it. */
  keyIndex?: number;
  readonly [field: string]: unknown;
}

/**
 * Thrown by the client for a non-2xx answer or `status: false`: an `AllpassError` with code
 * `API_ERROR` and `status` the HTTP status (`isAllpassError` is true for it).
 */
export interface AllpassApiError extends Omit<AllpassError, 'code'> {
  code: 'API_ERROR';
  /** The HTTP status. */
  status: number;
  /** The envelope's `statusCode`, when the answer had one. */
  statusCode?: number;
  /** The parsed (decrypted) answer, when it could be parsed. Non-enumerable: `console.log(error)`, `util.inspect` and `JSON.stringify` do not show it. */
  readonly body?: ApiResponse;
}

/** The documented encrypted request body: `{ data: encryptData(data, key) }` (with a list of keys, the first). */
export function encryptRequest(data: unknown, key: AllpassKey): { data: string };

/**
 * An API answer (text, bytes or parsed) → the envelope with `data` decrypted and parsed when it
 * is an encrypted string, or as sent (`encrypted: false`) when in clear. `status: false` is returned as is.
 */
export function parseResponse<T = unknown>(body: string | Uint8Array | object, key: AllpassKey): ApiResponse<T>;

/** Options of `createClient`. */
export interface ClientOptions {
  /** The API's base URL (the vendor's docs name no host). */
  baseUrl: string | URL;
  /** Sent as `x-private-app-key`. Never logged. */
  appKey: string;
  /** Encrypts request bodies (the first key) and decrypts answers (any key). */
  key: AllpassKey;
  /** Defaults to the global `fetch`. */
  fetch?: (input: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<Response>;
}

/** The documented applicant calls. Each resolves to the parsed answer or throws `AllpassApiError`. */
export interface AllpassClient {
  /** `POST /api/public/applicant` (201), the body encrypted. */
  createApplicant(body: CreateApplicantBody): Promise<ApiResponse<ApplicantProfile>>;
  /** `GET /api/public/applicant/{applicantId}`: by internal id or your externalUserId. */
  getApplicant(applicantId: string): Promise<ApiResponse<ApplicantProfile>>;
  /** `GET /api/public/applicant/{applicantId}/status`: the current verification status (shape not documented). */
  getApplicantStatus(applicantId: string): Promise<ApiResponse<unknown>>;
}

/**
 * A thin client for the vendor's documented applicant API. `baseUrl` must be https: (http: only
 * for localhost and 127.0.0.1); redirects are not followed (`API_ERROR`, reason `REDIRECT`).
 */
export function createClient(options: ClientOptions): AllpassClient;
