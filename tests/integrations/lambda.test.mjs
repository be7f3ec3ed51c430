// createLambdaHandler (`allpass-crypto/lambda`) behind each source AWS puts in front of a
// function: API Gateway REST and HTTP APIs, Function URLs, ALBs. Each row of the behaviour table
// is a server that does what the source does (reads the whole request, makes the event AWS
// documents, turns the result into the answer: lambda-events.mjs) around the installed package.
// Then README's handler, bundled by esbuild as `sam build` and CDK's NodejsFunction bundle it,
// runs in a fresh Node process on those events.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { describeServer } from './behaviour.mjs';
import { applicantEvent, envelope, here, installPackage, repo, runtimes, signature, tamper, testKeys } from './harness.mjs';
import { SOURCES, answerOf } from './lambda-events.mjs';

/** The package's Lambda entry, imported through its `exports` from the installed project. */
async function lambdaEntry(installed) {
  const entry = join(installed.dir, 'lambda-entry.mjs');
  writeFileSync(entry, "export * from 'allpass-crypto/lambda';\n");
  return import(pathToFileURL(entry).href);
}

/** The request as the source received it (the whole body first, as API Gateway and ALBs read it;
 * the hop-by-hop headers end there). */
function received(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !['connection', 'keep-alive', 'transfer-encoding'].includes(name)));
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve({ method: req.method, path: new URL(req.url, 'http://x').pathname, headers, body: Buffer.concat(chunks) }));
    req.on('error', reject);
  });
}

/** What the source answers for `event`: the handler's result made HTTP, or a 502 for a result it cannot read. */
async function invoke(handler, source, event) {
  const answer = answerOf(await handler(event, { functionName: 'allpass-webhook', awsRequestId: 'test' }), source);
  return answer.error ? { status: 502, headers: { 'x-result-error': answer.error }, body: Buffer.alloc(0) } : answer;
}

// The four sources through the table; REST APIs with `*/*` binary media types (every body base64),
// ALBs with multi-value headers (the other settings: below).
for (const name of ['API Gateway REST API, binary media types `*/*`', 'HTTP API (payload 2.0)', 'Function URL', 'ALB, multi-value headers']) {
  const source = SOURCES[name];
  describeServer(
    `AWS Lambda: ${name}`,
    async ({ config, installed }) => {
      const { recorder } = await import(pathToFileURL(join(installed.dir, 'recorder.mjs')).href);
      const record = recorder(config);
      const handler = (await lambdaEntry(installed)).createLambdaHandler(record.options);
      const server = http.createServer(async (req, res) => {
        if (req.url === '/log') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(record.take()));
        const answer = await invoke(handler, source, source.event(await received(req)));
        res.writeHead(answer.status, answer.headers).end(answer.body);
      });
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      return {
        base: `http://127.0.0.1:${server.address().port}`,
        close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))),
      };
    },
    { wholeBodies: true },
  );
}

/** A POST as a source received it. */
const posted = (body, contentType = 'application/json') => ({
  method: 'POST',
  path: '/webhook',
  headers: { host: 'webhooks.example.com', 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'axios/1.7.2' },
  body: Buffer.from(body),
});

describe('AWS Lambda: every source and setting, text and base64', () => {
  const keys = testKeys();
  let installed;
  let lambda;
  before(async () => {
    installed = await installPackage();
    lambda = await lambdaEntry(installed);
  });
  after(() => installed?.remove());

  /** A handler whose callbacks write into `log`. */
  function handlerWithLog() {
    const log = { events: [], errors: [] };
    const handler = lambda.createLambdaHandler({
      key: [keys.current, keys.previous],
      onEvent: (event, context) => void log.events.push({ id: event.data.id, body: typeof context.event.body, fn: context.lambdaContext?.functionName }),
      onError: (error, context) => void log.errors.push({ code: error.code, reason: error.reason, status: context.status }),
    });
    return { handler, log };
  }

  it('each source and setting: a webhook as text and as binary (base64) → 200 handled; tampered → the same 400 as garbage', async () => {
    for (const [name, source] of Object.entries(SOURCES)) {
      const { handler, log } = handlerWithLog();
      const ids = [];
      for (const contentType of ['application/json', 'application/octet-stream']) {
        const payload = applicantEvent();
        ids.push(payload.id);
        const answer = await invoke(handler, source, source.event(posted(JSON.stringify(envelope(payload, keys.current)), contentType)));
        assert.equal(answer.status, 200, `${name}, ${contentType}`);
      }
      assert.deepEqual(log.events, ids.map((id) => ({ id, body: 'string', fn: 'allpass-webhook' })), name);
      const garbage = signature(await invoke(handler, source, source.event(posted('status=true&data=abc', 'application/x-www-form-urlencoded'))));
      const genuine = envelope(applicantEvent(), keys.current);
      const tampered = signature(await invoke(handler, source, source.event(posted(JSON.stringify({ ...genuine, data: tamper(genuine.data) })))));
      assert.equal(garbage.status, 400, name);
      assert.deepEqual(tampered, garbage, name);
      assert.deepEqual(log.errors.map((error) => error.code), ['INVALID_JSON', 'DECRYPT_FAILED'], name);
    }
  });

  it('a body marked isBase64Encoded that is not base64 → the same uniform 400, UNREADABLE to onError', async () => {
    const { handler, log } = handlerWithLog();
    const source = SOURCES['HTTP API (payload 2.0)'];
    const reference = signature(await invoke(handler, source, source.event(posted(JSON.stringify(envelope(applicantEvent(), keys.stranger))))));
    const event = source.event(posted(JSON.stringify(envelope(applicantEvent(), keys.current)), 'application/octet-stream'));
    event.body = `${event.body.slice(0, 40)}%%%${event.body.slice(40)}`;
    assert.deepEqual(signature(await invoke(handler, source, event)), reference);
    assert.deepEqual(log.errors.map((error) => [error.code, error.reason, error.status]), [['DECRYPT_FAILED', undefined, 400], ['INVALID_ARGUMENT', 'UNREADABLE', 400]]);
    assert.deepEqual(log.events, []);
  });

  it('an event that is not an HTTP request (the function wired to another trigger) throws INVALID_ARGUMENT, WRONG_TYPE', async () => {
    const { handler, log } = handlerWithLog();
    for (const event of [{ Records: [{ eventSource: 'aws:sqs', body: '{}' }] }, null, 'POST']) {
      await assert.rejects(handler(event), (error) => error.code === 'INVALID_ARGUMENT' && error.reason === 'WRONG_TYPE' && /trigger/.test(error.message));
    }
    assert.deepEqual(log, { events: [], errors: [] });
  });

  it('the events are the shapes @types/aws-lambda declares (tsc --checkJs over lambda-events.mjs)', () => {
    try {
      execFileSync(join(runtimes, '.bin/tsc'), ['--noEmit', '--allowJs', '--checkJs', '--strict', '--noImplicitAny', 'false', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node,aws-lambda', 'lambda-events.mjs'], { cwd: here, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      assert.fail(`tsc found events AWS would not send:\n${error.stdout}${error.stderr}`);
    }
  });
});

describe("AWS Lambda: README's handler, bundled by esbuild (cjs and esm), in a fresh Node process", () => {
  const keys = testKeys();
  let installed;
  before(async () => {
    installed = await installPackage();
  });
  after(() => installed?.remove());

  /** README's AWS Lambda example, as written. */
  const example = () => {
    const readme = readFileSync(join(repo, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## AWS Lambda'));
    return /```js\n([\s\S]*?)```/.exec(section)[1];
  };

  /** The events one process gets, and the status each must be answered with. */
  function deliveries() {
    const payloads = [applicantEvent(), applicantEvent(), applicantEvent(), applicantEvent()];
    const list = [];
    for (const [i, name] of ['API Gateway REST API', 'HTTP API (payload 2.0)', 'Function URL', 'ALB, multi-value headers'].entries()) {
      const source = SOURCES[name];
      const genuine = envelope(payloads[i], keys.current);
      list.push([name, source, source.event(posted(JSON.stringify(genuine), i % 2 ? 'application/octet-stream' : 'application/json')), 200]);
      list.push([name, source, source.event(posted(JSON.stringify({ ...genuine, data: tamper(genuine.data) }))), 400]);
      list.push([name, source, source.event({ ...posted(''), method: 'GET' }), 405]);
      list.push([name, source, source.event(posted(' '.repeat(1024 * 1024 + 1))), 413]);
    }
    return { payloads, list };
  }

  const nodes = ['node-22', 'node-24', 'node-26'].map((name) => join(repo, '.ci/node-versions/node_modules', name, 'bin/node'));
  for (const format of ['cjs', 'esm']) {
    it(`--platform=node --bundle --format=${format}: every source answered in its format, on Node 22, 24 and 26`, async () => {
      const dir = installed.dir;
      writeFileSync(join(dir, 'handler.mjs'), example());
      // What the example imports besides the package: records what onEvent saved.
      writeFileSync(join(dir, 'verifications.mjs'), 'export function saveVerification(data) {\n  (globalThis.saved ??= []).push(data);\n}\n');
      const outfile = join(dir, `dist-${format}`, format === 'cjs' ? 'index.js' : 'index.mjs');
      const esbuild = createRequire(join(runtimes, 'package.json'))('esbuild');
      await esbuild.build({ entryPoints: [join(dir, 'handler.mjs')], bundle: true, platform: 'node', format, outfile, logLevel: 'error' });
      // Alone in a folder, as Lambda unpacks it: no node_modules.
      const alone = mkdtempSync(join(tmpdir(), 'allpass-lambda-'));
      try {
        writeFileSync(join(alone, 'bundle' + (format === 'cjs' ? '.js' : '.mjs')), readFileSync(outfile));
        const { payloads, list } = deliveries();
        writeFileSync(join(alone, 'events.json'), JSON.stringify(list.map(([, , event]) => event)));
        // The runtime's part: load the module (`require` for CommonJS, as Lambda's runtime does),
        // call `handler` on each event in turn.
        writeFileSync(
          join(alone, 'runtime.mjs'),
          [
            "import { readFileSync } from 'node:fs';",
            "import { createRequire } from 'node:module';",
            format === 'cjs' ? "const module = createRequire(import.meta.url)('./bundle.js');" : "const module = await import('./bundle.mjs');",
            'const handler = module.handler;',
            "const results = [];\nfor (const event of JSON.parse(readFileSync('events.json', 'utf8'))) results.push(await handler(event, { functionName: 'allpass-webhook' }));",
            'console.log(JSON.stringify({ results, saved: globalThis.saved ?? [] }));',
          ].join('\n'),
        );
        for (const node of nodes) {
          const output = execFileSync(node, ['runtime.mjs'], { cwd: alone, encoding: 'utf8', env: { ...process.env, ALLPASS_KEY: keys.current } });
          const { results, saved } = JSON.parse(output.trim().split('\n').at(-1));
          const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
          list.forEach(([name, source, , status], i) => {
            const answer = answerOf(results[i], source);
            assert.equal(answer.error, undefined, `${version}, ${name}: ${answer.error}`);
            assert.equal(answer.status, status, `${version}, ${name}: expected ${status}`);
            if (status === 405) assert.equal(answer.headers.allow, 'POST');
          });
          assert.deepEqual(saved, payloads, version);
        }
      } finally {
        rmSync(alone, { recursive: true, force: true });
      }
    });
  }
});
