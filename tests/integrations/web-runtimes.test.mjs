// createWebhookHandler under Deno.serve, Bun.serve and Hono in Cloudflare workerd (Miniflare
// serving real HTTP), each a separate process running the server fixture from the installed
// project. The binaries come from npm, in tests/runtimes/node_modules.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { describeServer } from './behaviour.mjs';
import { here, runtimes } from './harness.mjs';

const requireRuntime = createRequire(join(runtimes, 'package.json'));

/** Spawns a server that prints {"port":N} on its first line; resolves { base, close }. */
function spawnServer(command, args, { cwd, config }) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ALLPASS_TEST_CONFIG: JSON.stringify(config), NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (part) => (err += part));
    child.on('exit', (code) => reject(new Error(`${command} exited (${code}) before listening: ${err.slice(0, 2000)}`)));
    child.stdout.on('data', (part) => {
      out += part;
      const line = out.split('\n').find((text) => text.startsWith('{"port"'));
      if (!line) return;
      const { port } = JSON.parse(line);
      resolve({
        base: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise((done) => {
            child.removeAllListeners('exit');
            child.on('exit', () => done());
            child.kill();
          }),
      });
    });
  });
}

describeServer('Deno.serve', ({ config, installed }) =>
  spawnServer(join(runtimes, '.bin/deno'), ['run', '--allow-read', '--allow-env', '--allow-net=127.0.0.1', 'deno-server.mjs'], { cwd: installed.dir, config }),
);

describeServer('Bun.serve', ({ config, installed }) =>
  spawnServer(join(runtimes, '@oven/bun-linux-x64/bin/bun'), ['bun-server.mjs'], { cwd: installed.dir, config }),
);

describeServer('Hono 4 in workerd (Miniflare)', async ({ config, installed }) => {
  const esbuild = requireRuntime('esbuild');
  const { Miniflare } = requireRuntime('miniflare');
  // As wrangler bundles a Worker: the workerd export condition, the .wasm left for workerd.
  // Hono comes from tests/integrations/node_modules, the package from the installed project.
  await esbuild.build({
    entryPoints: [join(installed.dir, 'hono-worker.mjs')],
    bundle: true,
    format: 'esm',
    conditions: ['workerd', 'worker', 'browser'],
    external: ['*.wasm'],
    outfile: join(installed.dir, 'dist-worker/worker.js'),
    nodePaths: [join(here, 'node_modules')],
    logLevel: 'error',
  });
  const { cpSync } = await import('node:fs');
  cpSync(join(installed.dir, 'node_modules/allpass-crypto/dist'), join(installed.dir, 'dist-worker/dist'), { recursive: true });
  const miniflare = new Miniflare({
    modules: true,
    scriptPath: join(installed.dir, 'dist-worker/worker.js'),
    modulesRoot: installed.dir,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2025-01-01',
    bindings: { ALLPASS_TEST_CONFIG: JSON.stringify(config) },
    host: '127.0.0.1',
    port: 0,
  });
  const url = await miniflare.ready;
  return { base: url.origin, close: () => miniflare.dispose() };
});
