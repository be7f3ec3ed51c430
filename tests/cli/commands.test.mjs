// `allpass-crypto` decrypt, encrypt, keygen and send, run as real processes from the packed
// tarball installed into a fresh project, checked against the vendor's node:crypto functions.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ref from '../node/reference.mjs';
import { TARBALL, cleanEnv, install, runCli } from './installed.mjs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const key = ref.randomKey();
const payload = { event: 'applicantApproved', applicant: { name: 'Zoë Åström', documents: ['passport'] }, score: 0.97, emoji: '😀' };
let installed;
/** Every key a run was given: none may ever appear in what the CLI prints. */
const secrets = new Set([key]);

before(() => {
  installed = install();
});
after(() => installed?.remove());

/** The CLI with ALLPASS_KEY set (unless env says otherwise); checks no key leaked into its output. */
async function cli(args, { input, env = { ALLPASS_KEY: key }, expectKeyInOutput = false } = {}) {
  const result = await runCli(installed.bin, args, { input, env, cwd: installed.dir });
  if (!expectKeyInOutput) {
    for (const secret of secrets) {
      assert.ok(!result.out.includes(secret) && !result.err.includes(secret), `the key leaked: allpass-crypto ${args.join(' ')}`);
    }
  }
  return result;
}
const shellQuote = (text) => `'${text.replaceAll("'", `'\\''`)}'`;
const file = (name, content) => {
  const path = join(installed.dir, name);
  writeFileSync(path, content);
  return path;
};
const envelopeOf = (value, withKey = key, time = new Date().toISOString()) => JSON.stringify({ status: true, statusCode: 200, data: ref.encryptData(value, withKey), time });
const stderrJson = (result) => {
  const lines = result.err.trim().split('\n');
  assert.equal(lines.length, 1, `one line of JSON on stderr: ${result.err}`);
  return JSON.parse(lines[0]).error;
};

describe('the tarball', () => {
  it('contains every file the CLI and the page load', () => {
    const listed = new Set(execFileSync('tar', ['-tzf', TARBALL], { encoding: 'utf8' }).trim().split('\n').map((path) => path.replace(/^package\//, '')));
    const manifest = JSON.parse(readFileSync(join(installed.pkg, 'package.json'), 'utf8'));
    assert.equal(manifest.bin['allpass-crypto'], './bin/allpass-crypto.mjs');
    const needed = ['bin/allpass-crypto.mjs', 'bin/inbox-server.mjs', 'www/index.html', 'www/app.js', 'www/style.css', 'dist/web/allpass_crypto.js', 'dist/web/allpass_crypto_bg.wasm', 'node.mjs', 'node-wasm.mjs', 'node.cjs'];
    // …and whatever those files reference by a relative path.
    const relative = (from, text, pattern) => [...text.matchAll(pattern)].map((match) => new URL(match[1], `file:///${from}`).pathname.slice(1));
    const cli = readFileSync(join(installed.pkg, 'bin/allpass-crypto.mjs'), 'utf8');
    const page = readFileSync(join(installed.pkg, 'www/index.html'), 'utf8');
    const app = readFileSync(join(installed.pkg, 'www/app.js'), 'utf8');
    const server = readFileSync(join(installed.pkg, 'bin/inbox-server.mjs'), 'utf8');
    needed.push(
      ...relative('bin/allpass-crypto.mjs', cli, /(?:from |import\(|new URL\()'(\.\.?\/[^']+)'/g),
      ...relative('www/index.html', page, /(?:src|href)="(?!data:|#)([^"]+)"/g),
      ...relative('www/app.js', app, /from '(\.\.?\/[^']+)'/g),
      ...relative('bin/inbox-server.mjs', server, /new URL\('(\.\.?\/[^']+)'/g),
    );
    assert.ok(needed.length > 12, 'found the references');
    for (const path of needed) assert.ok(listed.has(path) || [...listed].some((item) => item.startsWith(path)), `${path} is in the tarball`);
    assert.match(cli, /^#!\/usr\/bin\/env node\n/);
  });

  it('runs through npx in the consumer project', () => {
    const out = execFileSync('npx', ['--no-install', 'allpass-crypto', '--version'], { cwd: installed.dir, env: cleanEnv(), encoding: 'utf8' });
    assert.equal(out, `${JSON.parse(readFileSync(join(installed.pkg, 'package.json'), 'utf8')).version}\n`);
  });
});

describe('help and usage', () => {
  it('--help on every command, with an example, exit 0', async () => {
    const main = await cli(['--help']);
    assert.equal(main.status, 0);
    for (const command of ['decrypt', 'encrypt', 'keygen', 'serve', 'send', 'simulate', 'events']) {
      assert.match(main.out, new RegExp(`\\n  ${command} `));
      for (const args of [[command, '--help'], [command, '-h'], ['help', command]]) {
        const result = await cli(args);
        assert.equal(result.status, 0, args.join(' '));
        assert.match(result.out, new RegExp(`^Usage: allpass-crypto ${command}`), args.join(' '));
        assert.match(result.out, /\nExample:\n {2}.*allpass-crypto /, args.join(' '));
      }
    }
  });

  it('exit 2 for usage errors: no command, unknown command, unknown option, extra arguments', async () => {
    for (const args of [[], ['frobnicate'], ['decrypt', '--frob'], ['keygen', 'extra'], ['decrypt', 'a', 'b'], ['serve', '--port', 'eighty'], ['serve', '--forward-to', 'not a url'], ['serve', '--key-file', 'x']]) {
      const result = await cli(args);
      assert.equal(result.status, 2, args.join(' '));
      assert.equal(result.out, '', args.join(' '));
      assert.ok(result.err.length > 0, args.join(' '));
    }
    const json = await cli(['frobnicate', '--json']);
    assert.equal(json.status, 2);
    assert.equal(stderrJson(json).code, 'USAGE');
  });
});

describe('the key', () => {
  it('refuses --key VALUE and --key=VALUE, says why and what to use, never echoes the value', async () => {
    const value = ref.randomKey();
    secrets.add(value);
    for (const args of [['decrypt', '--key', value], ['decrypt', `--key=${value}`], ['encrypt', '-k', value], ['send', '--to', 'http://127.0.0.1:9/', '--key', value]]) {
      const result = await cli(args, { input: envelopeOf(payload, value) });
      assert.equal(result.status, 2, args.join(' '));
      assert.match(result.err, /shell history/);
      assert.match(result.err, /\bps\b/);
      assert.match(result.err, /ALLPASS_KEY/);
      assert.match(result.err, /--key-file/);
    }
  });

  it('a key passed by mistake as FILE, as the --key-file value or as the command: named, never printed (stderr or --json)', async () => {
    const value = ref.randomKey();
    secrets.add(value);
    secrets.add(value.toUpperCase());
    const cases = [
      [['decrypt', value], /FILE looks like a key/],
      [['encrypt', value.toUpperCase()], /FILE looks like a key/],
      [['send', '--to', 'http://127.0.0.1:9/', value], /FILE looks like a key/],
      [['decrypt', '--key-file', value], /--key-file value looks like the key itself/],
      [[value], /unknown command/],
      [['decrypt', value, '--json'], /FILE looks like a key/],
    ];
    for (const [args, says] of cases) {
      const result = await cli(args, { input: envelopeOf(payload) });
      assert.equal(result.status, 2, `${args.length} args: ${result.err}`);
      assert.match(result.err, says);
      assert.ok(!result.err.toLowerCase().includes(value), 'not printed');
    }
  });

  it('without a key and without a terminal: exit 2, naming ALLPASS_KEY and --key-file', async () => {
    for (const command of ['decrypt', 'encrypt']) {
      const result = await cli([command], { input: '{}', env: {} });
      assert.equal(result.status, 2);
      assert.match(result.err, /no key: set ALLPASS_KEY, or pass --key-file/);
    }
    const missing = await cli(['decrypt', '--key-file', join(installed.dir, 'no-such.key')], { input: '00', env: {} });
    assert.equal(missing.status, 2);
  });

  it('on a terminal, asks with a hidden prompt: the key typed is not echoed', async () => {
    const path = file('prompted.json', envelopeOf(payload));
    // util-linux `script` gives the CLI a pseudo-terminal; the key is typed once the prompt shows.
    const child = spawn('script', ['-qec', `${shellQuote(process.execPath)} ${shellQuote(installed.bin)} decrypt ${shellQuote(path)}`, '/dev/null'], { env: cleanEnv() });
    let output = '';
    let typed = false;
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      output += chunk;
      if (!typed && output.includes('input hidden): ')) {
        typed = true;
        child.stdin.write(`${key}\r`);
      }
    });
    const status = await new Promise((resolve) => child.on('exit', resolve));
    assert.ok(typed, `the prompt was shown: ${output}`);
    assert.equal(status, 0, output);
    assert.ok(!output.includes(key), 'the key is not echoed');
    assert.deepEqual(JSON.parse(output.slice(output.indexOf('{')).replaceAll('\r\n', '\n')).data, payload);
  });

  it('reads --key-file (whitespace around the key ignored), which wins over ALLPASS_KEY', async () => {
    const path = file('test.key', `${key}\n`);
    const other = ref.randomKey();
    secrets.add(other);
    const result = await cli(['decrypt', '--key-file', path], { input: envelopeOf(payload), env: { ALLPASS_KEY: other } });
    assert.equal(result.status, 0, result.err);
    assert.deepEqual(JSON.parse(result.out).data, payload);
  });
});

describe('keygen', () => {
  it('prints a fresh 64-hex key and a newline, which node:crypto and decrypt accept', async () => {
    const [a, b] = [await cli(['keygen'], { expectKeyInOutput: true }), await cli(['keygen'], { expectKeyInOutput: true })];
    for (const result of [a, b]) {
      assert.equal(result.status, 0);
      assert.match(result.out, /^[0-9a-f]{64}\n$/);
    }
    assert.notEqual(a.out, b.out);
    const generated = a.out.trim();
    secrets.add(generated);
    const result = await cli(['decrypt'], { input: ref.encryptData(payload, generated), env: { ALLPASS_KEY: generated } });
    assert.deepEqual(JSON.parse(result.out), payload);
  });
});

describe('decrypt', () => {
  it('a webhook body made by node:crypto, from a file, from stdin and from -', async () => {
    const time = '2026-01-02T03:04:05.678Z';
    const body = envelopeOf(payload, key, time);
    const expected = `${JSON.stringify({ status: true, statusCode: 200, time, data: payload }, null, 2)}\n`;
    for (const [args, input] of [[['decrypt', file('webhook.json', body)], undefined], [['decrypt'], body], [['decrypt', '-'], `\n  ${body}\n`]]) {
      const result = await cli(args, { input });
      assert.equal(result.status, 0, result.err);
      assert.equal(result.out, expected, args.join(' '));
    }
  });

  it('a bare data string (any case, whitespace around it, or as a JSON string): the payload, indented', async () => {
    const data = ref.encryptData(payload, key);
    for (const input of [data, `  ${data.toUpperCase()}\n`, JSON.stringify(data)]) {
      const result = await cli(['decrypt'], { input });
      assert.equal(result.status, 0, result.err);
      assert.equal(result.out, `${JSON.stringify(payload, null, 2)}\n`);
    }
    const text = await cli(['decrypt'], { input: ref.encryptBytes(Buffer.from('not JSON: plain text'), key) });
    assert.equal(text.out, 'not JSON: plain text\n');
  });

  it('--raw prints exactly the decrypted plaintext, for a data string and for a webhook body', async () => {
    const plaintext = Buffer.from(' {"a" : 1}\n\n€');
    const data = ref.encryptBytes(plaintext, key);
    const bare = await cli(['decrypt', '--raw'], { input: data });
    assert.equal(bare.status, 0, bare.err);
    assert.deepEqual(bare.stdout, plaintext);
    const json = Buffer.from(JSON.stringify(payload));
    const body = JSON.stringify({ status: true, statusCode: 200, data: ref.encryptBytes(json, key), time: 't' });
    const enveloped = await cli(['decrypt', '--raw', file('raw.json', body)]);
    assert.deepEqual(enveloped.stdout, json);
  });

  it('--raw is byte-identical on plaintext that is not valid UTF-8', async () => {
    for (const plaintext of [Buffer.from([0xff, 0xfe, 0x00, 0x41]), Buffer.from([0xe2, 0x82]), Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xed, 0xa0, 0x80])]) {
      const result = await cli(['decrypt', '--raw'], { input: ref.encryptBytes(plaintext, key) });
      assert.equal(result.status, 0, result.err);
      assert.deepEqual(result.stdout, plaintext);
    }
  });

  it('without --raw, invalid UTF-8 is replaced exactly as node:crypto replaces it', async () => {
    const plaintext = Buffer.from([0x61, 0xff, 0x62, 0xe2, 0x82]);
    const data = ref.encryptBytes(plaintext, key);
    const result = await cli(['decrypt'], { input: data });
    assert.equal(result.out, `${ref.decryptData(data, key)}\n`);
  });

  it('exit 1 with CODE: message and the fix, or one line of JSON with --json', async () => {
    const data = ref.encryptData({ ...payload, padding: 'x'.repeat(40) }, key);
    const wrong = ref.randomKey();
    secrets.add(wrong);
    const cases = [
      ['wrong key', { env: { ALLPASS_KEY: wrong }, input: envelopeOf(payload) }, 'DECRYPT_FAILED', undefined, /does not match/],
      ['swapped', { env: { ALLPASS_KEY: data }, input: key }, 'INVALID_KEY', 'ARGUMENTS_SWAPPED', /swapped/],
      ['base64 key', { env: { ALLPASS_KEY: Buffer.from(key, 'hex').toString('base64') }, input: data }, 'INVALID_KEY', 'BASE64', /hex/],
      ['base64 data', { input: Buffer.from(data, 'hex').toString('base64') }, 'INVALID_CIPHERTEXT', 'BASE64', /Allpass sends hex/],
      ['truncated data', { input: data.slice(0, -3) }, 'INVALID_CIPHERTEXT', 'ODD_LENGTH', /as received/],
      ['broken JSON body', { input: '{"status":true,' }, 'INVALID_JSON', undefined, /raw request body/],
      ['not an envelope', { input: '{"status":true,"statusCode":200}' }, 'INVALID_ENVELOPE', undefined, /statusCode/],
      ['empty input', { input: '' }, 'INVALID_CIPHERTEXT', 'EMPTY', /./],
    ];
    for (const [name, options, code, reason, fix] of cases) {
      const env = options.env ?? { ALLPASS_KEY: key };
      if (env.ALLPASS_KEY !== key && env.ALLPASS_KEY !== wrong) secrets.add(env.ALLPASS_KEY);
      const text = await cli(['decrypt'], { ...options, env });
      assert.equal(text.status, 1, name);
      assert.equal(text.out, '', name);
      assert.match(text.err, new RegExp(`^${code}: .+\\nfix: `), name);
      assert.match(text.err.split('\n')[1], fix, name);
      const json = await cli(['decrypt', '--json'], { ...options, env });
      assert.equal(json.status, 1, name);
      const error = stderrJson(json);
      assert.equal(error.code, code, name);
      if (reason) assert.equal(error.reason, reason, name);
      assert.match(error.fix, fix, name);
    }
    const missing = await cli(['decrypt', join(installed.dir, 'no-such-file.json')]);
    assert.equal(missing.status, 1);
    assert.match(missing.err, /^ENOENT: cannot read /);
  });
});

describe('encrypt', () => {
  it('JSON from stdin or a file: encryptData(JSON.parse(input)), which node:crypto decrypts', async () => {
    const input = `{ "b": [1, 2, {"c": null}], "a": "Zoë 😀", "n": 1e2 }\n`;
    for (const args of [['encrypt'], ['encrypt', file('payload.json', input)]]) {
      const result = await cli(args, { input });
      assert.equal(result.status, 0, result.err);
      assert.match(result.out, /^[0-9a-f]+\n$/);
      assert.equal(ref.decryptData(result.out.trim(), key), JSON.stringify(JSON.parse(input)));
    }
    const [a, b] = [await cli(['encrypt'], { input }), await cli(['encrypt'], { input })];
    assert.notEqual(a.out.slice(0, 32), b.out.slice(0, 32), 'a fresh IV each time');
  });

  it('--text encrypts the input exactly as it is', async () => {
    const input = '  not JSON, kept as is: Zoë 😀\n';
    const result = await cli(['encrypt', '--text'], { input });
    assert.equal(result.status, 0, result.err);
    assert.equal(ref.decryptData(result.out.trim(), key), input);
  });

  it('--envelope prints the whole webhook body, which the reference and decrypt open', async () => {
    const result = await cli(['encrypt', '--envelope'], { input: JSON.stringify(payload) });
    assert.equal(result.status, 0, result.err);
    assert.equal(result.out.trim().split('\n').length, 1, 'one line');
    const body = JSON.parse(result.out);
    assert.deepEqual(Object.keys(body).sort(), ['data', 'status', 'statusCode', 'time']);
    assert.equal(body.status, true);
    assert.equal(body.statusCode, 200);
    assert.ok(Math.abs(Date.parse(body.time) - Date.now()) < 24 * 3600_000, 'a current time');
    assert.equal(ref.decryptData(body.data, key), JSON.stringify(payload));
    const back = await cli(['decrypt'], { input: result.out });
    assert.deepEqual(JSON.parse(back.out).data, payload);
    const text = await cli(['encrypt', '--envelope', '--text'], { input: 'plain' });
    assert.equal(ref.decryptData(JSON.parse(text.out).data, key), 'plain');
  });

  it('exit 1 on input that is not JSON, exit 1 on a bad key', async () => {
    const result = await cli(['encrypt', '--json'], { input: 'not json' });
    assert.equal(result.status, 1);
    assert.equal(stderrJson(result).code, 'INVALID_JSON');
    const bad = await cli(['encrypt'], { input: '{}', env: { ALLPASS_KEY: key.slice(2) } });
    assert.equal(bad.status, 1);
    assert.match(bad.err, /^INVALID_KEY: /);
  });
});

describe('send', () => {
  let endpoint;
  let url;
  const received = [];
  before(async () => {
    endpoint = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => { body += chunk; });
      request.on('end', () => {
        received.push({ method: request.method, path: request.url, type: request.headers['content-type'], body });
        response.writeHead(request.url === '/fail' ? 500 : 200).end('ok');
      });
    });
    await new Promise((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${endpoint.address().port}`;
  });
  after(() => new Promise((resolve) => endpoint.close(resolve)));
  const last = () => {
    const request = received.at(-1);
    const body = JSON.parse(request.body);
    return { ...request, envelope: body, payload: JSON.parse(ref.decryptData(body.data, key)) };
  };

  it('simulate: every event delivered (exit 0, the summary as JSON); an endpoint that always fails → retried 10 times, given up, exit 1', async () => {
    received.length = 0;
    const ok = await cli(['simulate', '--to', `${url}/hook`, '--applicants', '3', '--events', '4', '--duplicates', '0.5', '--time-scale', '0.0001', '--json']);
    assert.equal(ok.status, 0, ok.err);
    const summary = JSON.parse(ok.out);
    assert.equal(summary.givenUp, 0);
    assert.equal(received.length, summary.requests);
    const payloads = received.map((request) => JSON.parse(ref.decryptData(JSON.parse(request.body).data, key)));
    assert.equal(new Set(payloads.map((payload) => `${payload.id}/${payload.sequence}`)).size, 12, 'every event of 3 × 4 delivered');
    assert.ok(received.length >= 12 + 1, 'and some twice');
    const value = ref.randomKey();
    secrets.add(value);
    const pasted = await cli(['simulate', '--to', `${url}/hook?k=${value}`, '--applicants', '1', '--events', '1', '--time-scale', '0.0001', '--json']);
    assert.equal(pasted.status, 0, pasted.err); // cli() fails the test if the key is printed
    const failing = await cli(['simulate', '--to', `${url}/fail`, '--applicants', '1', '--events', '1', '--duplicates', '0', '--time-scale', '0.00001', '--json']);
    assert.equal(failing.status, 1, failing.err);
    const given = JSON.parse(failing.out);
    assert.equal(given.givenUp, 1);
    assert.equal(given.requests, 10, 'Allpass makes 10 attempts');
  });

  it('POSTs a webhook body made from FILE or stdin, and prints the status', async () => {
    for (const [args, input] of [[['send', '--to', `${url}/hook`, file('send.json', JSON.stringify(payload))], undefined], [['send', '--to', `${url}/hook`], JSON.stringify(payload)]]) {
      const result = await cli(args, { input });
      assert.equal(result.status, 0, result.err);
      assert.equal(result.out, '200 OK\n');
      const request = last();
      assert.equal(request.method, 'POST');
      assert.equal(request.path, '/hook');
      assert.equal(request.type, 'application/json');
      assert.equal(request.envelope.status, true);
      assert.equal(request.envelope.statusCode, 200);
      assert.deepEqual(request.payload, payload);
    }
  });

  it('--event: a sample of each documented event, with the documented fields only', async () => {
    // The package's one list of the vendor's event names.
    const { APPLICANT_EVENTS } = await import(pathToFileURL(join(installed.pkg, 'lib/events.mjs')).href);
    assert.ok(APPLICANT_EVENTS.length > 0);
    for (const event of APPLICANT_EVENTS) {
      const result = await cli(['send', '--to', url, '--event', event]);
      assert.equal(result.status, 0, result.err);
      const sent = last().payload;
      assert.deepEqual(Object.keys(sent).sort(), ['appKey', 'externalUserId', 'id', 'warnings', ...(event === 'applicantStepPassed' ? ['stepName'] : [])].sort(), event);
      assert.match(sent.id, UUID);
      assert.match(sent.appKey, UUID);
      assert.ok(Array.isArray(sent.warnings));
      assert.equal(typeof sent.externalUserId, 'string');
    }
    const filled = await cli(['send', '--to', url, '--event', 'applicantRejected', '--applicant', 'a-1', '--external-user-id', 'user-7', '--event-field', 'type']);
    assert.equal(filled.status, 0, filled.err);
    assert.deepEqual({ ...last().payload, appKey: 'x' }, { id: 'a-1', externalUserId: 'user-7', appKey: 'x', warnings: [], type: 'applicantRejected' });
    const help = await cli(['send', '--help']);
    assert.match(help.out.replace(/\s+/g, ' '), /does not document which field carries the event name/);
  });

  it('exit 1 when the endpoint answers 500 or cannot be reached; exit 2 for bad usage', async () => {
    const failed = await cli(['send', '--to', `${url}/fail`, '--event', 'applicantCreated']);
    assert.equal(failed.status, 1);
    assert.match(failed.out, /^500 /);
    assert.match(failed.err, /^HTTP_STATUS: /);
    const closed = http.createServer();
    await new Promise((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedUrl = `http://127.0.0.1:${closed.address().port}/`;
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = await cli(['send', '--to', closedUrl, '--event', 'applicantCreated', '--json']);
    assert.equal(unreachable.status, 1);
    assert.equal(stderrJson(unreachable).code, 'SEND_FAILED');
    const count = received.length;
    for (const args of [['send', '--event', 'applicantCreated'], ['send', '--to', url, '--event', 'applicantExploded'], ['send', '--to', 'ftp://x/', '--event', 'applicantCreated'], ['send', '--to', url, '--applicant', 'a'], ['send', '--to', url, '--event', 'applicantCreated', 'file.json']]) {
      const result = await cli(args);
      assert.equal(result.status, 2, args.join(' '));
    }
    assert.equal(received.length, count, 'nothing sent on a usage error');
  });
});

// What `events` does on a database is tested beside PostgreSQL (tests/stores/durable.test.mjs).
describe('events', () => {
  it('exit 2 for usage errors, before any database is reached', async () => {
    const db = ['--database-url', 'postgres://127.0.0.1:1/none'];
    for (const args of [['events'], ['events', 'purge', ...db], ['events', 'stats'], ['events', 'stats', '7', ...db], ['events', 'show', ...db], ['events', 'show', 'x1', ...db], ['events', 'retry', ...db], ['events', 'retry', '7', '--dead', ...db], ['events', 'stats', '--applicant', 'a', ...db], ['events', 'list', '--limit', '0', ...db], ['events', 'list', 'a', 'b', 'c', ...db]]) {
      const result = await cli(args);
      assert.equal(result.status, 2, args.join(' '));
      assert.equal(result.out, '', args.join(' '));
      assert.ok(result.err.length > 0, args.join(' '));
    }
    const json = await cli(['events', 'stats', '--json']);
    assert.equal(json.status, 2);
    assert.match(stderrJson(json).message, /--database-url/);
  });

  it('exit 1 with MISSING_DEPENDENCY, saying what to install, in a project without pg', async () => {
    const result = await cli(['events', 'stats', '--database-url', 'postgres://127.0.0.1:1/none', '--json']);
    assert.equal(result.status, 1);
    const error = stderrJson(result);
    assert.equal(error.code, 'MISSING_DEPENDENCY');
    assert.match(error.fix, /npm install pg/);
  });
});
