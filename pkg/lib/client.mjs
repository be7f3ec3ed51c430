// The vendor's public API (Open API), as documented: request bodies encrypted as
// `{ "data": "<encrypted>" }`, answers in the `{ status, statusCode, data }` envelope with `data`
// encrypted or (as the docs' examples show it) in clear. Web-standard JavaScript only (fetch).
import { isKeyList, wasm } from './api.mjs';
import { allpassError } from './errors.mjs';
import { httpUrl } from './validate.mjs';

const keyList = (key) => (typeof key === 'string' ? key : Array.isArray(key) ? [...key] : key);

/** Runs `fn(cipher)` with a cipher for `key`, wiped afterwards. */
function withCipher(key, fn) {
  const cipher = new (wasm().AllpassCipher)(keyList(key));
  try {
    return fn(cipher);
  } finally {
    cipher.free();
  }
}

/** The documented encrypted request body: `{ data: encryptData(data, key) }` (with a list of keys, the first). */
export function encryptRequest(data, key) {
  return withCipher(key, (cipher) => ({ data: cipher.encrypt(data) }));
}

// hex(16-byte IV) + hex(whole 16-byte blocks, at least one): what an encrypted `data` looks like.
const ENCRYPTED = /^(?:[0-9a-fA-F]{32}){2,}$/;

function parseWith(cipher, body) {
  let value = body;
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const text = typeof body === 'string' ? body : new TextDecoder('utf-8', { fatal: false }).decode(body);
    try {
      value = JSON.parse(text);
    } catch {
      throw allpassError('INVALID_JSON', undefined, 'the API response is not JSON');
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw allpassError('INVALID_ENVELOPE', undefined, 'the API response is not a { status, statusCode, data } object');
  }
  if (typeof value.status !== 'boolean') {
    throw allpassError('INVALID_ENVELOPE', undefined, 'the API response field `status` must be a boolean');
  }
  const { data } = value;
  if (typeof data === 'string' && ENCRYPTED.test(data.trim())) {
    // parseWebhook tries every key and says which one decrypted it.
    const opened = cipher.parseWebhook({ status: true, statusCode: 200, data, time: '' });
    return { ...value, data: opened.data, encrypted: true, keyIndex: opened.keyIndex };
  }
  return { ...value, encrypted: false };
}

/**
 * An API answer (its text, bytes or parsed object) → the envelope with `data` decrypted and
 * parsed when it is an encrypted string (`encrypted: true`, `keyIndex`), or as sent when the
 * vendor sent it in clear (`encrypted: false`). `status: false` is returned as is.
 */
export function parseResponse(body, key) {
  return withCipher(key, (cipher) => parseWith(cipher, body));
}

/**
 * The error for an answer that is not a success: code `API_ERROR`, `status` the HTTP status.
 * `body` (the decrypted answer) is non-enumerable: loggers that print the error do not print it.
 */
function apiError(method, path, status, body) {
  const extra = { status };
  if (body !== undefined) {
    extra.body = body;
    if (typeof body.statusCode === 'number') extra.statusCode = body.statusCode;
  }
  // The path may hold an applicant id: the template goes in the message, not the id.
  return allpassError('API_ERROR', undefined, `Allpass API: ${method} ${path} answered HTTP ${status}${body?.status === false ? ' with status: false' : ''}`, extra, ['body']);
}

/** A redirect answer, not followed: names the status and the origin it pointed to, never the path. */
function redirectError(method, template, response) {
  const location = response.headers?.get?.('location');
  let target = 'an undisclosed location (the browser hides it)';
  if (location) {
    try {
      target = new URL(location, response.url || 'http://invalid/').origin;
    } catch {
      target = 'an unparsable location';
    }
  }
  const status = response.type === 'opaqueredirect' ? 0 : response.status;
  return allpassError('API_ERROR', 'REDIRECT', `Allpass API: ${method} ${template} answered a redirect${status ? ` (HTTP ${status})` : ''} to ${target}; not followed, so the app key is sent only to baseUrl: set baseUrl to the host that answers`, { status });
}

/**
 * A thin client for the documented applicant calls. `baseUrl` is yours to give (the docs name no
 * host); `appKey` goes in `x-private-app-key`; `key` (or a list, newest first) encrypts request
 * bodies and decrypts answers; `fetch` defaults to the global one. Every call resolves to the
 * parsed answer (`parseResponse`), or throws `API_ERROR` for a non-2xx HTTP status or a
 * `status: false` answer.
 */
export function createClient(options) {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object: { baseUrl, appKey, key, fetch? }');
  const { appKey, key } = options;
  // Yours to give: the vendor documents no host.
  const base = httpUrl('baseUrl', options.baseUrl, { secure: 'the app key must not cross the network in clear' });
  if (typeof appKey !== 'string' || appKey === '') throw new TypeError('`appKey` must be your application key (the x-private-app-key header)');
  if (!isKeyList(key)) throw new TypeError('`key` must be the 64-hex-character key, or a non-empty list of them (newest first)');
  const doFetch = options.fetch ?? globalThis.fetch;
  if (typeof doFetch !== 'function') throw new TypeError('no fetch: pass `fetch` in the options');
  const root = base.href.replace(/\/+$/, '');

  async function call(method, template, path, body) {
    const headers = { 'x-private-app-key': appKey, accept: 'application/json' };
    const init = { method, headers };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(encryptRequest(body, key));
    }
    // Redirects are not followed: fetch would send x-private-app-key to wherever one points.
    init.redirect = 'manual';
    const response = await doFetch(`${root}${path}`, init);
    if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)) {
      response.body?.cancel().catch(() => {});
      throw redirectError(method, template, response);
    }
    const text = await response.text();
    let parsed;
    let parseError;
    try {
      parsed = parseResponse(text, key);
    } catch (error) {
      parseError = error;
    }
    if (!response.ok) throw apiError(method, template, response.status, parsed);
    if (parseError) throw parseError;
    if (parsed.status === false) throw apiError(method, template, response.status, parsed);
    return parsed;
  }

  const idPath = (id) => {
    // encodeURIComponent leaves dots: '..' would climb out of /applicant/ on the server.
    if (typeof id !== 'string' || id.trim() === '' || id === '.' || id === '..') {
      throw allpassError('INVALID_ARGUMENT', undefined, `the applicant id must be a non-empty string other than '.' and '..' (the internal id or your externalUserId), got ${typeof id === 'string' ? JSON.stringify(id) : typeof id}`);
    }
    return `/api/public/applicant/${encodeURIComponent(id)}`;
  };

  return {
    /** `POST /api/public/applicant`: `{ externalUserId, flowName, phone?, email?, lang?, suppliedInfo? }`, encrypted. */
    createApplicant: (body) => call('POST', '/api/public/applicant', '/api/public/applicant', body),
    /** `GET /api/public/applicant/{applicantId}`: by internal id or your externalUserId. */
    getApplicant: async (id) => call('GET', '/api/public/applicant/{applicantId}', idPath(id)),
    /** `GET /api/public/applicant/{applicantId}/status`. */
    getApplicantStatus: async (id) => call('GET', '/api/public/applicant/{applicantId}/status', `${idPath(id)}/status`),
  };
}
