// The CPU time of the store servers the benches start (tests/stores/services.mjs), read from
// /proc: what a webhook or a store call costs the server, beside what it costs the client.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * CPU ms of process `pid` so far (with its children that ended), and with `withChildren` its
 * live children's too (PostgreSQL's backends); undefined when it cannot be read.
 */
export function cpuMsOf(pid, withChildren = false) {
  const fields = (id) => {
    const stat = readFileSync(`/proc/${id}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' '); // from field 3 (state) on
  };
  const ticks = (f) => Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]); // utime stime cutime cstime
  try {
    let total = ticks(fields(pid));
    if (withChildren) {
      for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        try {
          const f = fields(entry);
          if (Number(f[1]) === pid) total += ticks(f);
        } catch {
          // gone meanwhile: its time is in its parent's cutime now
        }
      }
    }
    return (total * 1000) / 100; // USER_HZ, 100 on Linux
  } catch {
    return undefined;
  }
}

/** CPU ms so far of a `'postgres'` cluster (postmaster and backends) or a `'redis'` server of services.mjs; undefined when not measurable. */
export function serverCpuMs(kind, server) {
  const pidFile = kind === 'postgres' ? join(server.dir, 'data/postmaster.pid') : join(server.dir, 'redis.pid');
  try {
    return cpuMsOf(Number(readFileSync(pidFile, 'utf8').split('\n')[0].trim()), kind === 'postgres');
  } catch {
    return undefined; // no pid file
  }
}
