// What the store test files share: the package installed from the tarball, real PostgreSQL and
// Redis (./services.mjs), a fresh store of each kind (own tables / key prefix) with a twin on
// its own connection standing for a second process, and a handler on a store with every
// callback recorded. `useStores()` registers the before/after hooks of the calling file.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before } from 'node:test';
import pg from 'pg';
import { createClient } from 'redis';
import Redis from 'ioredis';
import { applicantEvent, envelope, installPackage, testKeys } from '../integrations/harness.mjs';
import { startPostgres, startRedis } from './services.mjs';

export { applicantEvent, envelope };
export const keys = testKeys();
export const minutesAgo = (minutes) => new Date(Date.now() - minutes * 60_000).toISOString();
export const post = (body) => new Request('http://localhost/webhook', { method: 'POST', body: JSON.stringify(body) });
export const here = new URL('.', import.meta.url).pathname;
/** A raw command on either client (ioredis also has a `sendCommand`, of another shape). */
export const raw = (client, args) => (typeof client.defineCommand === 'function' ? client.call(...args) : client.sendCommand(args));
/** The envelope with IV byte `at` flipped by `flip`. */
export function flipIv(body, at, flip) {
  const iv = Buffer.from(body.data.slice(0, 32), 'hex');
  iv[at] ^= flip;
  return { ...body, data: iv.toString('hex') + body.data.slice(32) };
}

/**
 * An `onEvent` that takes 5 ms: `{ onEvent, handled, most() }`, the steps it handled in the order
 * it finished them, and how many ran at once at the most.
 */
export function overlapRecorder() {
  let active = 0;
  let most = 0;
  const handled = [];
  const onEvent = async (event) => {
    active++;
    most = Math.max(most, active);
    await new Promise((resolve) => setTimeout(resolve, 5));
    handled.push(event.data.stepName);
    active--;
  };
  return { onEvent, handled, most: () => most };
}

/** Resolves once `check()` is truthy (polled every 20 ms), or fails after `ms`. */
export async function until(check, what, ms = 20_000) {
  const giveUp = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > giveUp) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function useStores() {
  const ctx = { closers: [] };
  before(async () => {
    [ctx.installed, ctx.postgres, ctx.redis] = await Promise.all([installPackage(), startPostgres(), startRedis()]);
  });
  after(async () => {
    for (const close of ctx.closers.reverse()) await close().catch(() => {});
    await Promise.all([ctx.postgres?.stop(), ctx.redis?.stop()]);
    ctx.installed?.remove();
  });

  const load = async (entry) => import(pathToFileURL(join(ctx.installed.dir, 'node_modules/allpass-crypto', entry)).href);

  const pgPool = (max = 8) => {
    const pool = new pg.Pool({ connectionString: ctx.postgres.connectionString, max });
    pool.on('error', () => {});
    ctx.closers.push(() => pool.end());
    return pool;
  };

  /** Each store kind: `{ store, twin, … }`, the twin on its own connection (another process). */
  const kinds = {
    memory: async (options = {}) => {
      const { memoryStore } = await load('node.mjs');
      const store = memoryStore(options);
      return { store, twin: store };
    },
    postgres: async (options = {}) => {
      const { postgresStore } = await load('postgres.mjs');
      const pool = pgPool();
      const prefix = `t${randomUUID().slice(0, 8)}_`;
      const store = postgresStore({ pool, prefix, ...options });
      await store.migrate();
      const twinOf = () => postgresStore({ pool: pgPool(), prefix, ...options });
      return { store, twin: twinOf(), twinOf, pool, prefix };
    },
    'redis (node-redis)': async (options = {}) => {
      const { redisStore } = await load('redis.mjs');
      const connect = async () => {
        const client = createClient({ url: ctx.redis.url });
        client.on('error', () => {});
        await client.connect();
        ctx.closers.push(() => client.quit());
        return client;
      };
      const client = await connect();
      const prefix = `t:${randomUUID()}:`;
      const twinOf = async () => redisStore(await connect(), { prefix, ...options });
      return { store: redisStore(client, { prefix, ...options }), twin: await twinOf(), twinOf, client, prefix };
    },
    'redis (ioredis)': async (options = {}) => {
      const { redisStore } = await load('redis.mjs');
      const connect = () => {
        const client = new Redis(ctx.redis.url);
        client.on('error', () => {});
        ctx.closers.push(async () => client.disconnect());
        return client;
      };
      const client = connect();
      const prefix = `t:${randomUUID()}:`;
      const twinOf = async () => redisStore(connect(), { prefix, ...options });
      return { store: redisStore(client, { prefix, ...options }), twin: await twinOf(), twinOf, client, prefix };
    },
  };

  /** A handler on `store` with every callback recorded; `onEvent` (and any option) may be replaced. */
  async function handlerOn(store, overrides = {}) {
    const { createWebhookHandler } = await load('node.mjs');
    const log = { events: [], duplicates: [], stale: [], errors: [] };
    const handler = createWebhookHandler({
      key: keys.current,
      store,
      onEvent: (event) => void log.events.push(event.data),
      onDuplicate: (event) => void log.duplicates.push(event.data),
      onStale: (event) => void log.stale.push(event.data),
      onError: (error) => void log.errors.push(error.code),
      ...overrides,
    });
    return { log, send: async (body) => (await handler(post(body))).status };
  }

  /** Links a test dependency into the installed project, as a user's project has it. */
  function link(name, from = here) {
    const target = join(ctx.installed.dir, 'node_modules', name);
    if (!existsSync(target)) symlinkSync(join(from, 'node_modules', name), target, 'dir');
  }

  /**
   * Runs a README example as written: its `import` lines, then an Express `app`, its body, and
   * `app.listen` on a free port, with DATABASE_URL and ALLPASS_KEY set; resolves `{ port, child }`.
   */
  async function startExample(example) {
    link('pg');
    link('express', join(here, '../integrations'));
    const imports = example.split('\n').filter((line) => line.startsWith('import '));
    const body = example.split('\n').filter((line) => !line.startsWith('import ')).join('\n');
    const script = join(ctx.installed.dir, `readme-example-${randomUUID()}.mjs`);
    writeFileSync(script, `import express from 'express';\n${imports.join('\n')}\nconst app = express();\n${body}\nconst server = app.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));\n`);
    const child = spawn(process.execPath, [script], { cwd: ctx.installed.dir, env: { ...process.env, DATABASE_URL: ctx.postgres.connectionString, ALLPASS_KEY: keys.current }, stdio: ['ignore', 'pipe', 'inherit'] });
    ctx.closers.push(async () => child.kill('SIGKILL'));
    const port = await new Promise((resolve, reject) => {
      child.on('exit', (code) => reject(new Error(`the example exited (${code})`)));
      child.stdout.on('data', (chunk) => {
        const line = String(chunk).split('\n').find((text) => text.startsWith('{"port"'));
        if (line) resolve(JSON.parse(line).port);
      });
    });
    return { port, child };
  }

  return Object.assign(ctx, { load, kinds, handlerOn, pgPool, link, startExample });
}
