// Real PostgreSQL and Redis for the store tests, from the Debian packages (`postgresql`,
// `redis-server`; .ci/setup installs them): each started on a free port in a temporary directory
// of its own, restartable in place, and stopped after. PostgreSQL refuses to run as root, so its
// cluster belongs to the `postgres` user and its tools run through `runuser -u postgres --`.
// Whatever is still running when this process exits is killed then (the 'exit' hook below), so
// a failed or interrupted test leaves no server behind.
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PG_BIN = process.env.ALLPASS_PG_BIN ?? findPostgresBin();
const PGBOUNCER = '/usr/sbin/pgbouncer';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function findPostgresBin() {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => b - a);
  return versions.map((v) => join(root, v, 'bin')).find((dir) => existsSync(join(dir, 'initdb')));
}

/** Servers to kill, and directories to remove, if this process exits with them still there.
 * The servers are daemons, not children: nothing else would stop them. A signal that would end
 * the process without 'exit' (Ctrl-C, the test runner's SIGTERM) exits it properly instead. */
const leftovers = new Map(); // id → { pid(), dir }
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.once(signal, () => process.exit(code));
}
process.once('exit', () => {
  for (const { pid, dir } of leftovers.values()) {
    const running = pid();
    if (running) {
      try {
        process.kill(running, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A port nobody listens on right now, on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** True while `pid` is a live process (a zombie is not: nobody may be there to reap it). */
function alive(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Waits (bounded) for `pid` to be gone; SIGKILL when `grace` ms were not enough. */
async function waitGone(pid, grace = 10_000) {
  for (let waited = 0; alive(pid) && waited < grace; waited += 50) await sleep(50);
  if (!alive(pid)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  for (let i = 0; alive(pid) && i < 100; i++) await sleep(50);
  if (alive(pid)) throw new Error(`process ${pid} survived SIGKILL`);
}

/** The pid a daemon wrote to `file`, or undefined while there is none. */
function pidIn(file) {
  try {
    return Number(readFileSync(file, 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

/** Ends a daemon: SIGTERM, then SIGKILL if it is still there after 5 s. Nothing to do without a pid. */
async function terminate(pid) {
  if (!pid) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  await waitGone(pid, 5_000);
}

/** Tries `probe` every 50 ms until it resolves true, for at most `ms`. */
async function until(what, probe, ms = 30_000) {
  for (let waited = 0; waited < ms; waited += 50) {
    if (await probe().catch(() => false)) return;
    await sleep(50);
  }
  throw new Error(`${what}: not ready after ${ms} ms`);
}

// ---- PostgreSQL ---------------------------------------------------------------------------------

/** Runs a PostgreSQL tool as the postgres user, asynchronously: the event loop (a simulator
 * driving traffic in this very process) keeps running while the server stops and starts. */
const asPostgres = (dir, command, args) =>
  new Promise((resolve, reject) => {
    execFile('runuser', ['-u', 'postgres', '--', join(PG_BIN, command), ...args], { cwd: dir, encoding: 'utf8', timeout: 90_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed (${error.code ?? error.signal}): ${stderr || stdout}`));
      else resolve(stdout);
    });
  });

/**
 * A PostgreSQL cluster of its own: `{ port, url, connectionString, restart(), stop(), dir }`.
 * Trust authentication, on 127.0.0.1 and a Unix socket in its directory only; fsync off (a test
 * cluster: a restart is a process restart, never a power cut, so nothing committed is lost).
 * `restart({ mode })` stops it (default 'immediate': like a crash, every connection cut, the
 * next start recovers from the WAL) and starts it again on the same port and data directory.
 */
export async function startPostgres() {
  if (!PG_BIN) throw new Error('PostgreSQL not found in /usr/lib/postgresql/*/bin: install the Debian package postgresql (.ci/setup)');
  const dir = mkdtempSync(join(tmpdir(), 'allpass-postgres-'));
  chownSync(dir, ...uidGid('postgres'));
  const data = join(dir, 'data');
  const port = await freePort();
  const id = `postgres:${dir}`;
  const pid = () => {
    try {
      return Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]) || undefined;
    } catch {
      return undefined;
    }
  };
  leftovers.set(id, { pid, dir });
  await asPostgres(dir, 'initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=100`;
  const start = () => asPostgres(dir, 'pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', options, '-w', '-t', '60', 'start']);
  const isReady = () => new Promise((resolve) => execFile(join(PG_BIN, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-q'], { timeout: 10_000 }, (error) => resolve(!error)));
  await start();
  await until('PostgreSQL', isReady);
  let stopped = false;
  const connectionString = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  return {
    port,
    dir,
    url: connectionString,
    connectionString,
    async restart({ mode = 'immediate' } = {}) {
      const before = pid();
      await asPostgres(dir, 'pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
      if (before) await waitGone(before);
      await start();
      await until('PostgreSQL (restarted)', isReady);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      const running = pid();
      if (running && alive(running)) {
        try {
          await asPostgres(dir, 'pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-t', '20', 'stop']);
        } catch {
          // pg_ctl could not stop it: waitGone's SIGKILL does
        }
        await waitGone(running, 5_000);
      }
      leftovers.delete(id);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function uidGid(user) {
  return [Number(execFileSync('id', ['-u', user], { encoding: 'utf8' })), Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }))];
}

// ---- Redis --------------------------------------------------------------------------------------

/** PING over a raw connection: true on +PONG. */
function ping(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (part) => {
      reply += part;
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/**
 * PgBouncer (Debian's `pgbouncer`) in front of a cluster of `startPostgres()`, in transaction
 * pooling: each transaction runs on whichever of `poolSize` server connections is free, so
 * nothing of a session (LISTEN, a prepared statement, a setting) outlives its transaction. On a
 * free port of 127.0.0.1, trust authentication: `{ port, url, stop() }`. It refuses to run as
 * root: it runs as `postgres`, on files in a directory of its own.
 */
export async function startPgbouncer(postgres, { poolSize = 4 } = {}) {
  if (!existsSync(PGBOUNCER)) throw new Error(`PgBouncer not found at ${PGBOUNCER}: install the Debian package pgbouncer (.ci/setup)`);
  const dir = mkdtempSync(join(tmpdir(), 'allpass-pgbouncer-'));
  const port = await freePort();
  const pidfile = join(dir, 'pgbouncer.pid');
  const config = join(dir, 'pgbouncer.ini');
  const id = `pgbouncer:${dir}`;
  const pid = () => pidIn(pidfile);
  leftovers.set(id, { pid, dir });
  writeFileSync(join(dir, 'users.txt'), '"postgres" ""\n');
  writeFileSync(config, [
    '[databases]',
    `postgres = host=127.0.0.1 port=${postgres.port} dbname=postgres user=postgres`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = trust',
    `auth_file = ${join(dir, 'users.txt')}`,
    'pool_mode = transaction',
    `default_pool_size = ${poolSize}`,
    'max_client_conn = 500',
    `pidfile = ${pidfile}`,
    `logfile = ${join(dir, 'pgbouncer.log')}`,
    '',
  ].join('\n'));
  for (const file of [dir, config, join(dir, 'users.txt')]) chownSync(file, ...uidGid('postgres'));
  await new Promise((resolve, reject) => {
    execFile('runuser', ['-u', 'postgres', '--', PGBOUNCER, '-d', config], { cwd: dir, timeout: 30_000 }, (error, stdout, stderr) => (error ? reject(new Error(`pgbouncer failed to start: ${stderr || stdout || error.message}`)) : resolve()));
  });
  await until('PgBouncer', () => new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  }));
  let stopped = false;
  return {
    port,
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await terminate(pid()); // PgBouncer's immediate shutdown
      leftovers.delete(id);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A redis-server of its own: `{ port, url, restart(), stop(), dir }`, on 127.0.0.1, daemonized.
 * `persistent`: an append-only file synced on every write, so a restart keeps what was written
 * (what a store's Redis must run with). Otherwise `--save '' --appendonly no`: nothing is ever
 * written to disk, so a restart starts EMPTY.
 * Whatever a store (or anyone) kept in it is gone after `restart()`: locks, leases, the newest
 * times and the digests of handled payloads. That is the point of restarting it in the fault
 * simulation (see what it may and may not break there), and the reason the simulation keeps the
 * user's own append-only log on a second server that is never restarted.
 */
export async function startRedis({ persistent = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'allpass-redis-'));
  const port = await freePort();
  const pidfile = join(dir, 'redis.pid');
  const id = `redis:${dir}`;
  const pid = () => pidIn(pidfile);
  leftovers.set(id, { pid, dir });
  const start = async () => {
    rmSync(pidfile, { force: true });
    await new Promise((resolve, reject) => {
      execFile('redis-server', [
        '--port', String(port), '--bind', '127.0.0.1', '--save', '',
        ...(persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
        '--daemonize', 'yes', '--dir', dir, '--pidfile', pidfile, '--logfile', join(dir, 'redis.log'),
      ], { timeout: 30_000 }, (error, stdout, stderr) => (error ? reject(new Error(`redis-server failed to start: ${stderr || error.message}`)) : resolve()));
    });
    await until('Redis', () => ping(port));
  };
  const kill = () => terminate(pid()); // with nothing to save, redis-server exits at once
  await start();
  let stopped = false;
  return {
    port,
    dir,
    url: `redis://127.0.0.1:${port}`,
    /** Stops and starts the same server on the same port: EMPTY afterwards (`--save ''`). */
    async restart() {
      await kill();
      await start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await kill();
      leftovers.delete(id);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
