// `make serve`: the debugging page and a local webhook inbox, on node:http alone.
//
//   GET  /                 the page (www/), and /pkg/* the package's browser build
//   POST /webhook          stores the raw body (JSON, at most 1 MB; the last 100 kept), answers 200
//   GET  /webhooks         the stored bodies, oldest first
//   GET  /events           Server-Sent Events: one `webhook` event per arrival
//
// The server never sees a key: webhooks are stored and shown encrypted, and decrypted in the
// browser with the key typed there.
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MAX_BODY_BYTES = 1024 * 1024;
export const MAX_STORED = 100;

const WWW = resolve(fileURLToPath(new URL('.', import.meta.url)));
const PKG = resolve(WWW, '../pkg/dist/web');
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.json': 'application/json',
};
// The page may talk to its own origin only; 'wasm-unsafe-eval' lets it compile the module.
const CSP = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** A file under `root` as { body, type }, or null if the path escapes it or does not exist. */
export async function staticFile(root, urlPath) {
  const relative = normalize(decodeURIComponent(urlPath)).replace(/^([/\\])+/, '');
  const path = resolve(root, relative || 'index.html');
  if (path !== root && !path.startsWith(root + sep)) return null;
  try {
    return { body: await readFile(path), type: TYPES[extname(path)] ?? 'application/octet-stream' };
  } catch {
    return null;
  }
}

function send(response, status, body, headers = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  response.end(text);
}

/** Creates the server; `listen` it yourself. */
export function createServer({ log = () => {} } = {}) {
  const stored = [];
  const listeners = new Set();
  let nextId = 1;

  async function receive(request, response) {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      request.resume();
      return send(response, 413, { error: `body over ${MAX_BODY_BYTES} bytes` }, { connection: 'close' });
    }
    const chunks = [];
    let size = 0;
    for await (const chunk of request) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        request.resume();
        return send(response, 413, { error: `body over ${MAX_BODY_BYTES} bytes` }, { connection: 'close' });
      }
      chunks.push(chunk);
    }
    const body = Buffer.concat(chunks).toString('utf8');
    try {
      JSON.parse(body);
    } catch {
      return send(response, 400, { error: 'body is not JSON; Allpass webhooks are JSON envelopes' });
    }
    const webhook = { id: nextId++, receivedAt: new Date().toISOString(), body };
    stored.push(webhook);
    if (stored.length > MAX_STORED) stored.shift();
    for (const listener of listeners) listener.write(`event: webhook\nid: ${webhook.id}\ndata: ${JSON.stringify(webhook)}\n\n`);
    log(`webhook #${webhook.id}: ${body.length} bytes`);
    return send(response, 200, { received: true, id: webhook.id });
  }

  function events(request, response) {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    response.write(': connected\n\n');
    listeners.add(response);
    request.on('close', () => listeners.delete(response));
  }

  const server = http.createServer(async (request, response) => {
    try {
      const { pathname } = new URL(request.url, 'http://localhost');
      if (pathname === '/webhook') {
        if (request.method !== 'POST') return send(response, 405, { error: 'POST a webhook body here' }, { allow: 'POST' });
        return await receive(request, response);
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, { error: 'method not allowed' }, { allow: 'GET, HEAD' });
      if (pathname === '/webhooks') return send(response, 200, stored);
      if (pathname === '/events') return events(request, response);
      const file = pathname.startsWith('/pkg/') ? await staticFile(PKG, pathname.slice(5)) : await staticFile(WWW, pathname);
      if (!file || pathname.endsWith('.mjs')) return send(response, 404, { error: 'not found' });
      response.writeHead(200, {
        'content-type': file.type,
        'content-security-policy': CSP,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-cache',
      });
      response.end(request.method === 'HEAD' ? undefined : file.body);
    } catch (error) {
      if (error instanceof URIError) return send(response, 400, { error: 'malformed URL' });
      log(`error: ${error.stack}`);
      if (!response.headersSent) send(response, 500, { error: 'internal error' });
      else response.destroy();
    }
  });
  server.on('clientError', (_, socket) => socket.destroy());
  // Server-Sent Events connections must not keep the process alive on close().
  server.closeAllEvents = () => {
    for (const listener of listeners) listener.end();
    listeners.clear();
  };
  return server;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 8080);
  const server = createServer({ log: (line) => console.log(line) });
  server.listen(port, '127.0.0.1', () => {
    const { port: actual } = server.address();
    console.log(`allpass-crypto debugging page and webhook inbox: http://127.0.0.1:${actual}/`);
    console.log(`point webhooks (or a tunnel) at http://127.0.0.1:${actual}/webhook`);
  });
}
