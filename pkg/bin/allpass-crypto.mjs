#!/usr/bin/env node
// `npx allpass-crypto`: decrypt, encrypt and send Allpass webhooks, and serve the debugging page
// and webhook inbox, from the installed package. Plain Node, no dependencies: the crypto is the
// package's own (../node.mjs). Exit codes: 0 done, 1 the operation failed, 2 usage.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { AllpassCipher, decryptData, generateKey, isAllpassError } from '../node.mjs';
import { hintFor } from '../lib/codes.mjs';
import { APPLICANT_EVENTS } from '../lib/events.mjs';
import { finiteNumber, httpUrl, wholeNumber } from '../lib/validate.mjs';

const VERSION = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
const NAME = 'allpass-crypto';

const KEY_HELP = `The key (64 hex characters, from the Allpass Integration page) comes from the ALLPASS_KEY
environment variable, or --key-file PATH, or, on a terminal, a hidden prompt. It is never
accepted on the command line (it would be kept in shell history and shown by ps), and never
printed.`;

const COMMON = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
};
const KEYED = { ...COMMON, 'key-file': { type: 'string' } };

const COMMANDS = {
  decrypt: {
    options: { ...KEYED, raw: { type: 'boolean' } },
    positionals: 1,
    summary: 'decrypt a webhook body or a bare data string',
    help: `Usage: ${NAME} decrypt [FILE] [--raw] [--key-file PATH] [--json]

Reads a webhook body (the JSON envelope { status, statusCode, data, time }) or a bare encrypted
data string from FILE, or from stdin when FILE is absent or -; a JSON object is taken as a webhook
body, anything else as a data string. Prints, for a webhook body, the decrypted webhook
{ status, statusCode, time, data } as JSON with a 2-space indent; for a data string, the
decrypted payload (indented if it is JSON).

  --raw             print exactly the decrypted plaintext, byte for byte, nothing added
  --key-file PATH   read the key from PATH
  --json            errors as one line of JSON on stderr

${KEY_HELP}

Example:
  ALLPASS_KEY=… ${NAME} decrypt webhook.json`,
  },
  encrypt: {
    options: { ...KEYED, envelope: { type: 'boolean' }, text: { type: 'boolean' } },
    positionals: 1,
    summary: 'encrypt JSON (or text) as Allpass does',
    help: `Usage: ${NAME} encrypt [FILE] [--envelope] [--text] [--key-file PATH] [--json]

Reads JSON from FILE, or from stdin when FILE is absent or -, and prints
encryptData(JSON.parse(input), key): hex(IV) + hex(AES-256-CBC ciphertext), and a newline.

  --envelope        print the whole webhook body { status, statusCode, data, time } instead
  --text            encrypt the input text exactly as it is, not parsed as JSON
  --key-file PATH   read the key from PATH
  --json            errors as one line of JSON on stderr

${KEY_HELP}

Example:
  echo '{"id":"42"}' | ALLPASS_KEY=… ${NAME} encrypt --envelope`,
  },
  keygen: {
    options: COMMON,
    positionals: 0,
    summary: 'print a new random key',
    help: `Usage: ${NAME} keygen

Prints a new random AES-256 key, 64 hex characters, and a newline (for tests: the real key comes
from the Allpass Integration page).

Example:
  ${NAME} keygen > test.key && chmod 600 test.key`,
  },
  serve: {
    options: { ...COMMON, port: { type: 'string' }, host: { type: 'string' }, 'forward-to': { type: 'string' } },
    positionals: 0,
    summary: 'the debugging page and a local webhook inbox',
    help: `Usage: ${NAME} serve [--port N] [--host HOST] [--forward-to URL]

Serves the debugging page and a webhook inbox, and prints the page's URL. Webhooks POSTed to
/webhook appear live in the page's Inbox tab and are decrypted in the browser, with the key typed
there: the server never sees a key. Only POST /webhook answers without the token in the printed
URL, so a tunnel pointed at the port exposes nothing else.

  --port N          the port (default: PORT, or 8080; 0 picks a free one)
  --host HOST       the address to listen on (default 127.0.0.1)
  --forward-to URL  also POST every webhook received, unchanged, to URL (your endpoint); the
                    inbox shows the status your endpoint answered and how long it took

Example:
  ${NAME} serve --forward-to http://localhost:3000/allpass/webhook`,
  },
  send: {
    options: {
      ...KEYED,
      to: { type: 'string' },
      event: { type: 'string' },
      applicant: { type: 'string' },
      'external-user-id': { type: 'string' },
      'event-field': { type: 'string' },
    },
    positionals: 1,
    summary: 'POST an encrypted webhook to your endpoint',
    help: `Usage: ${NAME} send --to URL [FILE | --event NAME] [options]

Encrypts a payload into a webhook body, as Allpass sends it, POSTs it to URL and prints the status
your endpoint answered. The payload is the JSON in FILE (or stdin), or a built-in sample:

  --to URL                 where to POST (required), e.g. http://localhost:3000/allpass/webhook
  --event NAME             a sample applicant event: ${APPLICANT_EVENTS.join(', ')}
  --applicant ID           the sample's applicant id (default: a random UUID)
  --external-user-id ID    the sample's externalUserId (default: sample-user)
  --event-field FIELD      also put the event name in the sample's field FIELD
  --key-file PATH          read the key from PATH
  --json                   errors as one line of JSON on stderr

A sample has the payload fields Allpass documents: id (the applicant, a UUID), externalUserId,
appKey (a UUID), warnings, and stepName for applicantStepPassed. Allpass does not document which
field carries the event name, so a sample carries it nowhere unless you choose a field with
--event-field (this tool's convention, not the vendor's).
Exits 1 if the endpoint cannot be reached or answers other than 2xx.

${KEY_HELP}

Example:
  ALLPASS_KEY=… ${NAME} send --to http://127.0.0.1:8080/webhook --event applicantApproved`,
  },
  simulate: {
    options: {
      ...KEYED,
      to: { type: 'string', multiple: true },
      applicants: { type: 'string' },
      events: { type: 'string' },
      duplicates: { type: 'string' },
      'time-scale': { type: 'string' },
      concurrency: { type: 'string' },
      seed: { type: 'string' },
      'app-key': { type: 'string' },
      timeout: { type: 'string' },
    },
    positionals: 0,
    summary: 'Allpass delivering many events, shuffled, with retries',
    help: `Usage: ${NAME} simulate --to URL [--to URL …] [options]

Plays Allpass against your endpoint: applicants × events webhooks, each applicant's events with
strictly increasing envelope times (in the recent past), delivered in a shuffled order, some of
them twice (the same body again, or the same payload re-encrypted under a new IV, same time).
Every answer other than 200, and every network error, is retried on Allpass's schedule: the
first retry after 30 s, then doubling (30, 60, 120 … s), 10 attempts in all; after the 10th
failure the event is given up. Prints deliveries, requests, answers by status, retries and
events given up. Exits 1 if any event was given up.

  --to URL             where to POST; repeat it to spread the deliveries (round-robin) over
                       several instances of your endpoint (required)
  --applicants N       how many applicants (default 20)
  --events N           events per applicant (default 5): payloads { id, externalUserId, appKey,
                       warnings, stepName: "step-<n>", sequence: n }
  --duplicates F       extra deliveries, as a fraction of the events (default 0.1)
  --time-scale F       multiplies every retry delay (default 1, Allpass's real schedule:
                       10 failures take 4 h 15 min; 0.001 makes it 15 s)
  --concurrency N      requests in flight at most (default 8)
  --timeout S          seconds to wait for an answer before counting a failure (default 30)
  --seed S             the same seed gives the same order and the same duplicates (default
                       random, printed); applicant ids are random every run
  --app-key UUID       the payloads' appKey (default a random UUID): your endpoint's own, if it
                       checks it
  --key-file PATH      read the key from PATH
  --json               the summary as one line of JSON (errors too, on stderr)

${KEY_HELP}

Example:
  ALLPASS_KEY=… ${NAME} simulate --to http://127.0.0.1:3000/allpass/webhook --applicants 100 --events 10 --time-scale 0.01`,
  },
  events: {
    options: {
      ...COMMON,
      'database-url': { type: 'string' },
      'redis-url': { type: 'string' },
      prefix: { type: 'string' },
      dead: { type: 'boolean' },
      applicant: { type: 'string' },
      limit: { type: 'string' },
    },
    positionals: 2,
    summary: 'durable mode\'s events: stats, list, show, retry',
    help: `Usage: ${NAME} events <stats | list | show ID | retry ID | retry --dead> (--database-url URL | --redis-url URL) [options]

The events durable mode keeps (createWebhookHandler / createNodeMiddleware with durable: true,
processed by startWorker), in the PostgreSQL database your postgresStore uses or the Redis your
redisStore uses. Run it where your application is installed: it uses that project's pg, or its
redis (node-redis) or ioredis package.

  stats                  pending events (and how long the oldest has waited), dead ones, done ones
  list                   the newest events first: id, state, attempts, applicant, received, last error
    --dead               only the dead ones (their attempts ran out)
    --applicant ID       only this applicant's
    --limit N            at most N (default 100)
  show ID                one event, with its envelope as kept (data encrypted); with ALLPASS_KEY
                         set, also the decrypted event
  retry ID               a dead event due again at once (attempts from 0); exits 1 if it is not
                         dead, or a newer event of its applicant was kept since (newest wins:
                         it stays dead)
  retry --dead           every dead event that no newer event overtook

  --database-url URL     PostgreSQL (this or --redis-url)
  --redis-url URL        Redis
  --prefix P             the prefix your store uses (default allpass_ for tables, allpass: for keys)
  --json                 the result as one line of JSON (errors too, on stderr)

The key (only for show) comes from ALLPASS_KEY; it is never printed.

Example:
  ${NAME} events list --dead --database-url "$DATABASE_URL"`,
  },
};

const MAIN_HELP = `Usage: ${NAME} <command> [options]

Decrypt and encrypt Allpass (elKYC) webhooks exactly as the vendor's node:crypto code does.

Commands:
${Object.entries(COMMANDS).map(([name, { summary }]) => `  ${name.padEnd(9)}${summary}`).join('\n')}

Options: --help (also after a command), --version, --json (errors as one line of JSON).
Exit codes: 0 done, 1 the operation failed (CODE: message on stderr), 2 usage error.

A local test loop:
  ${NAME} serve                                      # open the URL it prints
  export ALLPASS_KEY=$(${NAME} keygen)               # type the same key into the page
  ${NAME} send --to http://127.0.0.1:8080/webhook --event applicantApproved`;

// ---- failures ---------------------------------------------------------------------------------

class UsageError extends Error {}
/** A failure of the operation (exit 1) that is not the package's: `code` names it. */
class Failure extends Error {
  constructor(code, message, fix) {
    super(message);
    Object.assign(this, { code, fix });
  }
}

/** What to do about the common failures, chosen by the package's stable code and reason (lib/codes.mjs). */
function fixFor(error) {
  return error.fix ?? hintFor(error)?.fix;
}

/** A run of 64 hex characters is a key until shown otherwise: never printed, whatever carried it. */
const KEY_LIKE = /[0-9a-fA-F]{64,}/g;
const looksLikeKey = (text) => typeof text === 'string' && /[0-9a-fA-F]{64}/.test(text);
const unprintable = (text) => String(text).replace(KEY_LIKE, '[64 or more hex characters, not shown]');

function report(error, json) {
  // Every message is scrubbed, whatever raised it (an unknown command that was a pasted key).
  for (const field of ['message', 'fix']) {
    if (typeof error?.[field] === 'string' && looksLikeKey(error[field])) Object.defineProperty(error, field, { value: unprintable(error[field]) });
  }
  if (error instanceof UsageError) {
    if (json) process.stderr.write(`${JSON.stringify({ error: { code: 'USAGE', message: error.message } })}\n`);
    else process.stderr.write(`${NAME}: ${error.message}\n`);
    return 2;
  }
  if (isAllpassError(error) || error instanceof Failure) {
    const fix = fixFor(error);
    if (json) {
      process.stderr.write(`${JSON.stringify({ error: { code: error.code, reason: error.reason ?? null, message: error.message, fix: fix ?? null } })}\n`);
    } else {
      process.stderr.write(`${error.code}: ${error.message}\n`);
      if (fix) process.stderr.write(`fix: ${fix}\n`);
    }
    return 1;
  }
  const code = typeof error?.code === 'string' ? error.code : 'ERROR';
  if (json) process.stderr.write(`${JSON.stringify({ error: { code, reason: null, message: String(error?.message ?? error), fix: null } })}\n`);
  else process.stderr.write(`${code}: ${error?.message ?? error}\n`);
  return 1;
}

// ---- input and key ----------------------------------------------------------------------------

async function readInput(file) {
  if (file === undefined || file === '-') {
    if (process.stdin.isTTY) process.stderr.write('reading from stdin (end with Ctrl-D)\n');
    const chunks = [];
    for await (const chunk of process.stdin) chunks.push(chunk);
    return Buffer.concat(chunks);
  }
  try {
    return await readFile(file);
  } catch (error) {
    if (looksLikeKey(file)) {
      throw new UsageError('FILE looks like a key (64 hex characters), not a file (not shown here): the key goes in ALLPASS_KEY or in a file named by --key-file, the webhook in FILE or stdin');
    }
    throw new Failure(error.code ?? 'UNREADABLE', `cannot read ${file}: ${error.message.replace(/^[A-Z]+: /, '').replace(file, 'it')}`);
  }
}

/** A hidden prompt on the terminal: nothing typed is echoed. */
function promptHidden(question) {
  return new Promise((resolve, reject) => {
    const { stdin, stderr } = process;
    // Echo off before the prompt shows: a key typed (or pasted) at once must not be echoed.
    stdin.setRawMode(true);
    stderr.write(question);
    stdin.resume();
    let typed = '';
    const onData = (chunk) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n' || char === '\u0004') return done(null);
        if (char === '\u0003') return done(new UsageError('interrupted'));
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    function done(error) {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    }
    stdin.on('data', onData);
  });
}

async function readKey(values) {
  if (values['key-file'] !== undefined) {
    try {
      return readFileSync(values['key-file'], 'utf8');
    } catch (error) {
      if (looksLikeKey(values['key-file'])) {
        throw new UsageError('the --key-file value looks like the key itself (64 hex characters; not shown here): --key-file takes the path of a file that holds the key; or set ALLPASS_KEY');
      }
      throw new UsageError(`cannot read the key file ${values['key-file']}: ${error.code ?? error.message}`);
    }
  }
  if (process.env.ALLPASS_KEY !== undefined && process.env.ALLPASS_KEY !== '') return process.env.ALLPASS_KEY;
  if (process.stdin.isTTY && process.stderr.isTTY) return promptHidden('Allpass key (64 hex characters; input hidden): ');
  throw new UsageError('no key: set ALLPASS_KEY, or pass --key-file PATH (or run on a terminal to be asked)');
}

/** The key, parsed and expanded once (an INVALID_KEY here is exit 1, with its fix). */
async function cipherFor(values) {
  return new AllpassCipher(await readKey(values));
}

/**
 * A cipher for `key`; when the key is invalid and `data` is given, the package's own two-argument
 * check runs first, so a key and a payload given the wrong way round say so (ARGUMENTS_SWAPPED).
 */
function cipherOf(key, data) {
  try {
    return new AllpassCipher(key);
  } catch (error) {
    if (isAllpassError(error) && error.code === 'INVALID_KEY' && typeof data === 'string') decryptData(data, key);
    throw error;
  }
}

// ---- commands ---------------------------------------------------------------------------------

const out = (text) => new Promise((resolve, reject) => process.stdout.write(text, (error) => (error ? reject(error) : resolve())));
const pretty = (value) => `${JSON.stringify(value, null, 2)}\n`;

/** What the input is: an envelope (a JSON object), a data string (bare, or a JSON string). */
function detect(text) {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return { kind: 'envelope' };
  if (trimmed.startsWith('"')) {
    try {
      const value = JSON.parse(trimmed);
      if (typeof value === 'string') return { kind: 'data', data: value, note: 'a JSON string: its content is the data string' };
    } catch {
      // not a JSON string after all: let the package say what it is
    }
  }
  return { kind: 'data', data: text };
}

async function decrypt(values, [file]) {
  const key = await readKey(values);
  const text = (await readInput(file)).toString('utf8');
  const found = detect(text);
  const cipher = cipherOf(key, found.data);
  try {
    let data = found.data;
    if (found.kind === 'envelope') {
      if (!values.raw) {
        const { status, statusCode, time, data: payload } = cipher.parseWebhook(text);
        return out(pretty({ status, statusCode, time, data: payload }));
      }
      // --raw: the envelope's data field, decrypted and printed as it is (JSON or not).
      let body;
      try {
        body = JSON.parse(text);
      } catch {
        cipher.parseWebhook(text); // throws the package's INVALID_JSON, with its message
      }
      if (typeof body?.data !== 'string') cipher.parseWebhook(text); // throws INVALID_ENVELOPE
      data = body.data;
    }
    if (values.raw) {
      const bytes = cipher.decryptBytes(data);
      return out(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    }
    const plaintext = cipher.decrypt(data);
    try {
      return out(pretty(JSON.parse(plaintext)));
    } catch {
      return out(plaintext.endsWith('\n') ? plaintext : `${plaintext}\n`);
    }
  } finally {
    cipher.free();
  }
}

function parseJsonInput(text) {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Failure('INVALID_JSON', `the input is not JSON: ${error.message}`, 'pass JSON, or --text to encrypt the text as it is');
  }
}

async function encrypt(values, [file]) {
  const cipher = await cipherFor(values);
  try {
    const text = (await readInput(file)).toString('utf8');
    if (values.text) {
      const data = cipher.encryptText(text);
      if (!values.envelope) return out(`${data}\n`);
      return out(`${JSON.stringify({ status: true, statusCode: 200, data, time: new Date().toISOString() })}\n`);
    }
    const value = parseJsonInput(text);
    if (values.envelope) return out(`${JSON.stringify(cipher.createWebhook(value))}\n`);
    return out(`${cipher.encrypt(value)}\n`);
  } finally {
    cipher.free();
  }
}

async function keygen() {
  return out(`${generateKey()}\n`);
}

/** A sample applicant event with the documented fields only (see `send --help`). */
function sample(event, { applicant = randomUUID(), externalUserId = 'sample-user', eventField } = {}) {
  const payload = { id: applicant, externalUserId, appKey: randomUUID(), warnings: [] };
  if (event === 'applicantStepPassed') payload.stepName = 'sample-step';
  if (eventField !== undefined) payload[eventField] = event;
  return payload;
}

async function send(values, [file]) {
  if (values.to === undefined) throw new UsageError('send needs --to URL (your endpoint)');
  const url = usage(() => httpUrl('--to', values.to));
  if (values.event !== undefined && file !== undefined) throw new UsageError('give either FILE or --event, not both');
  if (values.event !== undefined && !APPLICANT_EVENTS.includes(values.event)) throw new UsageError(`unknown event ${values.event}; the documented events are ${APPLICANT_EVENTS.join(', ')}`);
  for (const option of ['applicant', 'external-user-id', 'event-field']) {
    if (values[option] !== undefined && values.event === undefined) throw new UsageError(`--${option} fills a sample: use it with --event`);
  }
  const cipher = await cipherFor(values);
  let body;
  try {
    const payload = values.event !== undefined
      ? sample(values.event, { applicant: values.applicant, externalUserId: values['external-user-id'], eventField: values['event-field'] })
      : parseJsonInput((await readInput(file)).toString('utf8'));
    body = JSON.stringify(cipher.createWebhook(payload));
  } finally {
    cipher.free();
  }
  let response;
  try {
    response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, redirect: 'manual' });
    await response.arrayBuffer();
  } catch (error) {
    throw new Failure('SEND_FAILED', `could not reach ${url.href}: ${error.cause?.code ?? error.cause?.message ?? error.message}`, 'is your endpoint running, and is the URL right?');
  }
  await out(`${response.status} ${response.statusText}\n`.replace(/ \n$/, '\n'));
  if (response.status < 200 || response.status > 299) {
    throw new Failure('HTTP_STATUS', `${url.href} answered ${response.status}`, 'your endpoint should answer 2xx once it has processed the webhook');
  }
}

/** A check of lib/validate.mjs on a command-line value: what it refuses is a usage error (exit 2). */
function usage(check) {
  try {
    return check();
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(error.message);
    throw error;
  }
}

/** `--name`'s text (or `fallback` when absent) as a number, checked by `validator` (lib/validate.mjs) from `min` to `max`. */
function numberOption(name, text, fallback, validator, min, max) {
  if (text === undefined) return fallback;
  const number = text.trim() === '' ? Number.NaN : Number(text);
  return usage(() => validator(`--${name}`, Number.isNaN(number) ? text : number, undefined, min, max));
}

async function simulateCommand(values) {
  if (values.to === undefined || values.to.length === 0) throw new UsageError('simulate needs --to URL (your endpoint; repeat it for several instances)');
  const options = {
    to: values.to.map((text) => usage(() => httpUrl('--to', text)).href),
    applicants: numberOption('applicants', values.applicants, 20, wholeNumber, 1),
    events: numberOption('events', values.events, 5, wholeNumber, 1),
    duplicates: numberOption('duplicates', values.duplicates, 0.1, finiteNumber, 0),
    timeScale: numberOption('time-scale', values['time-scale'], 1, finiteNumber, 0),
    concurrency: numberOption('concurrency', values.concurrency, 8, wholeNumber, 1),
    // Seconds, down to the millisecond.
    timeoutMs: Math.round(1000 * numberOption('timeout', values.timeout, 30, finiteNumber, 0.001)),
    seed: values.seed,
  };
  // Both are printed in the summary: a key pasted into either by mistake must not be.
  for (const option of ['seed', 'app-key']) {
    if (looksLikeKey(values[option])) throw new UsageError(`the --${option} value looks like a key (64 hex characters; not shown here): the key goes in ALLPASS_KEY or --key-file`);
  }
  if (values['app-key'] !== undefined) {
    if (values['app-key'].trim() === '') throw new UsageError('--app-key must not be empty');
    options.appKey = values['app-key'].trim();
  }
  // The package's own key check first: the same INVALID_KEY codes and fixes as every command.
  const key = await readKey(values);
  cipherOf(key).free();
  const { simulate, formatSummary, ATTEMPTS } = await import('./simulate.mjs');
  const summary = await simulate({ ...options, key: key.trim() });
  // A key pasted into a --to URL by mistake is not printed back either.
  await out(unprintable(values.json ? `${JSON.stringify(summary)}\n` : formatSummary(summary)));
  if (summary.givenUp > 0) {
    throw new Failure('GAVE_UP', `${summary.givenUp} of ${summary.deliveries} deliveries were given up after ${ATTEMPTS} attempts`, 'your endpoint must answer 200 once it has handled an event, or a stale or duplicate one; anything else is retried');
  }
}

/** V8's full garbage collection, for the inbox's memory bound (see inbox-server.mjs), if available. */
function fullCollector() {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc');
    return typeof gc === 'function' ? () => gc() : undefined;
  } catch {
    return undefined;
  }
}

async function serve(values) {
  const { startServer } = await import('./inbox-server.mjs');
  const port = numberOption('port', values.port ?? process.env.PORT, 8080, wholeNumber, 0, 65535);
  const forwardTo = values['forward-to'] === undefined ? undefined : usage(() => httpUrl('--forward-to', values['forward-to']));
  const log = (line) => process.stdout.write(`${line}\n`);
  let started;
  try {
    started = await startServer({ port, host: values.host ?? '127.0.0.1', forwardTo: forwardTo?.href, log, collectGarbage: fullCollector() });
  } catch (error) {
    const fix = error.code === 'EADDRINUSE' ? 'pass another --port (0 picks a free one)' : undefined;
    throw new Failure(error.code ?? 'LISTEN_FAILED', `cannot listen on ${values.host ?? '127.0.0.1'}:${port}: ${error.message}`, fix);
  }
  const { server, origin, url } = started;
  log(`allpass-crypto ${VERSION}: debugging page and webhook inbox`);
  log(`  open      ${url}`);
  log(`  webhooks  POST ${origin}/webhook  (the only path that answers without the token)`);
  if (forwardTo) log(`  forward   every webhook, unchanged, to ${forwardTo.href}`);
  log('Ctrl-C to stop.');
  await new Promise((resolve) => {
    const stop = () => {
      server.closeAllEvents();
      server.close(resolve);
      server.closeAllConnections?.();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

async function events(values, positionals) {
  const { eventsCommand } = await import('./events.mjs');
  return eventsCommand(values, positionals, { out, Failure, UsageError, cipherOf });
}

const RUN = { decrypt, encrypt, keygen, serve, send, simulate: simulateCommand, events };

// ---- main ---------------------------------------------------------------------------------------

async function main(args) {
  // `--json` may also come first, before the command.
  const argv = args[0] === '--json' && args.length > 1 ? [...args.slice(1), '--json'] : args;
  const json = argv.includes('--json');
  try {
    // A key value on the command line is refused before anything else looks at it.
    const keyArg = argv.find((arg) => arg === '--key' || arg.startsWith('--key=') || arg === '-k' || (arg.startsWith('-k') && !arg.startsWith('--')));
    if (keyArg !== undefined) {
      throw new UsageError('--key is refused: a key on the command line is kept in your shell history and visible to other users in ps. '
        + 'Set ALLPASS_KEY in the environment, or pass --key-file PATH (a file only you can read).');
    }
    const [command, ...rest] = argv;
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      if (command === undefined) {
        process.stderr.write(`${MAIN_HELP}\n`);
        return 2;
      }
      const topic = rest[0];
      await out(`${topic && COMMANDS[topic] ? COMMANDS[topic].help : MAIN_HELP}\n`);
      return 0;
    }
    if (command === '--version' || command === '-v') {
      await out(`${VERSION}\n`);
      return 0;
    }
    if (command === '--json' && rest.length === 0) throw new UsageError('no command; run allpass-crypto --help');
    const spec = COMMANDS[command];
    if (!spec) throw new UsageError(`unknown command ${JSON.stringify(command)}; the commands are ${Object.keys(COMMANDS).join(', ')} (allpass-crypto --help)`);
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: spec.options, allowPositionals: true, strict: true });
    } catch (error) {
      throw new UsageError(`${error.message.replace(/\. To specify a positional argument.*$/s, '')} (allpass-crypto ${command} --help)`);
    }
    const { values, positionals } = parsed;
    if (values.help) {
      await out(`${spec.help}\n`);
      return 0;
    }
    if (positionals.length > spec.positionals) {
      throw new UsageError(`${command} takes ${spec.positionals === 0 ? 'no arguments' : spec.positionals === 1 ? 'at most one FILE' : `at most ${spec.positionals} arguments`}, got ${positionals.length} (allpass-crypto ${command} --help)`);
    }
    await RUN[command](values, positionals);
    return 0;
  } catch (error) {
    return report(error, json);
  }
}

process.exitCode = await main(process.argv.slice(2));
