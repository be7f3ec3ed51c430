// `allpass-crypto events`: the events durable mode keeps, seen and acted on from a terminal,
// through the store's own `events` functions (lib/stores/postgres-queue.mjs, redis-queue.mjs).
// The database client is the user's project's own (`pg`; `redis` or `ioredis`: this package has
// no dependencies), resolved from the directory the command runs in. The key is read (from ALLPASS_KEY only) by `show`, the one
// subcommand that decrypts, and never printed.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const SUBCOMMANDS = ['stats', 'list', 'show', 'retry'];

/** The first of `names` the project the command runs in has, imported; or a Failure saying what to install. */
async function projectModule(names, option, { Failure }) {
  const require = createRequire(join(process.cwd(), 'package.json'));
  for (const name of names) {
    let path;
    try {
      path = require.resolve(name);
    } catch {
      continue;
    }
    return { name, module: await import(pathToFileURL(path).href) };
  }
  throw new Failure('MISSING_DEPENDENCY', `events ${option} needs the ${names.join(' or ')} package in the project it runs in (${process.cwd()})`, `run it where your application is installed, or npm install ${names[0]}`);
}

/** `{ store, close() }` on the database the options name. */
async function openStore(values, prefix, tools) {
  if (values['database-url'] !== undefined) {
    const { module: pg } = await projectModule(['pg'], '--database-url', tools);
    const { postgresStore } = await import('../postgres.mjs');
    const pool = new pg.default.Pool({ connectionString: values['database-url'], max: 1 });
    pool.on('error', () => {});
    return { store: postgresStore({ pool, prefix: prefix ?? 'allpass_' }), close: () => pool.end() };
  }
  const { name, module } = await projectModule(['redis', 'ioredis'], '--redis-url', tools);
  const { redisStore } = await import('../redis.mjs');
  const url = values['redis-url'];
  if (name === 'redis') {
    const client = module.createClient({ url });
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (error) {
      throw new tools.Failure('DATABASE_FAILED', `Redis at the --redis-url could not be reached: ${error?.message || error}`, 'check --redis-url, and that Redis is up');
    }
    return { store: redisStore(client, { prefix: prefix ?? 'allpass:' }), close: () => client.close() };
  }
  const client = new module.Redis(url, { maxRetriesPerRequest: 1, lazyConnect: false });
  client.on('error', () => {});
  return { store: redisStore(client, { prefix: prefix ?? 'allpass:' }), close: async () => client.disconnect() };
}

/** "3 min 4 s" */
function age(ms) {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ${minutes % 60} min` : `${Math.floor(hours / 24)} days ${hours % 24} h`;
}

const listing = (rows) => {
  if (rows.length === 0) return 'no events\n';
  const head = ['ID', 'STATE', 'ATTEMPTS', 'APPLICANT', 'RECEIVED', 'LAST ERROR'];
  const lines = rows.map((row) => [row.id, row.state, String(row.attempts), row.applicantId ?? '-', row.receivedAt, (row.lastError ?? '').replace(/\s+/g, ' ').slice(0, 80)]);
  const widths = head.map((title, i) => Math.max(title.length, ...lines.map((line) => line[i].length)));
  return [head, ...lines].map((line) => line.map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd()).join('\n') + '\n';
};

/**
 * Runs one subcommand. `tools`: the CLI's `out`, `Failure`, `UsageError`, `cipherOf(key)` and
 * `looksLikeKey`, so that errors, exit codes and --json read as every other command's.
 */
export async function eventsCommand(values, positionals, tools) {
  const { out, Failure, UsageError, cipherOf } = tools;
  const [subcommand, id] = positionals;
  if (subcommand === undefined) throw new UsageError(`events needs a subcommand: ${SUBCOMMANDS.join(', ')} (allpass-crypto events --help)`);
  if (!SUBCOMMANDS.includes(subcommand)) throw new UsageError(`unknown events subcommand ${JSON.stringify(subcommand)}; the subcommands are ${SUBCOMMANDS.join(', ')}`);
  const takesId = subcommand === 'show' || subcommand === 'retry';
  if (!takesId && id !== undefined) throw new UsageError(`events ${subcommand} takes no ID`);
  if (subcommand === 'show' && id === undefined) throw new UsageError('events show needs an ID (as events list shows)');
  if (subcommand === 'retry' && (id === undefined) === (values.dead !== true)) throw new UsageError('events retry needs an ID or --dead (every dead event), one of them');
  if (subcommand !== 'list' && values.applicant !== undefined) throw new UsageError('--applicant is for events list');
  if (subcommand !== 'list' && subcommand !== 'retry' && values.dead) throw new UsageError('--dead is for events list and events retry');
  if (id !== undefined && !/^[1-9][0-9]{0,18}$/.test(id)) throw new UsageError(`an event ID is a whole number, as events list shows, got ${id}`);
  if ((values['database-url'] === undefined) === (values['redis-url'] === undefined)) {
    throw new UsageError('events needs --database-url URL (the PostgreSQL database your postgresStore uses) or --redis-url URL (your redisStore\'s Redis), one of them');
  }
  const prefix = values.prefix;
  const limit = values.limit === undefined ? 100 : Number(values.limit);
  if (!Number.isSafeInteger(limit) || limit < 1) throw new UsageError(`--limit must be a whole number, at least 1, got ${values.limit}`);
  // The key is read before connecting, and only where it is used.
  const key = subcommand === 'show' && process.env.ALLPASS_KEY ? process.env.ALLPASS_KEY : undefined;
  const cipher = key === undefined ? undefined : cipherOf(key);

  let opened;
  try {
    opened = await openStore(values, prefix, tools);
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(error.message.replace('`prefix`', '--prefix'));
    throw error;
  }
  const { store } = opened;
  try {
    const events = store.events;
    const run = async () => {
      try {
        if (subcommand === 'stats') return await events.stats();
        if (subcommand === 'list') return await events.list({ dead: values.dead === true, applicantId: values.applicant, limit });
        if (subcommand === 'show') return await events.show(id);
        return await events.retry(id ?? { dead: true });
      } catch (error) {
        // 42P01: no such table (durable mode never ran on this database, or another --prefix).
        if (error?.code === '42P01') throw new Failure('NO_EVENTS_TABLE', `the database has no table ${prefix ?? 'allpass_'}events`, 'run store.migrate() of this release first, or pass the --prefix your postgresStore uses');
        throw new Failure('DATABASE_FAILED', `the database failed: ${error?.message || error?.code || error}`, 'check --database-url, and that the database is up');
      }
    };
    const result = await run();
    if (subcommand === 'stats') {
      if (values.json) return out(`${JSON.stringify(result)}\n`);
      return out(`pending  ${result.pending}${result.oldestPendingMs === null ? '' : ` (the oldest received ${age(result.oldestPendingMs)} ago)`}\ndead     ${result.dead}\ndone     ${result.done} (kept for the worker's retentionMs)\n`);
    }
    if (subcommand === 'list') return out(values.json ? `${JSON.stringify(result)}\n` : listing(result));
    if (subcommand === 'show') {
      if (result === null) throw new Failure('NOT_FOUND', `no event ${id} (pruned, or never kept)`, 'events list shows the events kept');
      const shown = { ...result };
      if (cipher) {
        try {
          const { status, statusCode, time, data } = cipher.parseWebhook(JSON.stringify(result.envelope));
          shown.event = { status, statusCode, time, data };
        } finally {
          cipher.free();
        }
      }
      await out(values.json ? `${JSON.stringify(shown)}\n` : `${JSON.stringify(shown, null, 2)}\n`);
      if (!cipher && !values.json) process.stderr.write('data is shown encrypted: set ALLPASS_KEY to see the payload\n');
      return undefined;
    }
    await out(values.json ? `${JSON.stringify(result)}\n` : `retried     ${result.retried.join(' ') || '-'}\n${result.superseded.length ? `superseded  ${result.superseded.join(' ')} (a newer event of its applicant was kept since: newest wins, so it stays dead)\n` : ''}`);
    if (result.missing.length) throw new Failure('NOT_FOUND', `no dead event ${result.missing.join(' ')}`, 'events list --dead shows the dead events');
    if (id !== undefined && result.superseded.length) throw new Failure('SUPERSEDED', `event ${id} stays dead: a newer event of its applicant was kept after it (newest wins)`, 'apply it by hand if it still matters (events show prints it)');
    return undefined;
  } finally {
    await Promise.resolve(opened.close()).catch(() => {});
  }
}
