// The package as a user gets it: the packed tarball (ALLPASS_TARBALL, default the one `make pack`
// writes) installed into a fresh project, and the CLI run from there as a real process.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const TARBALL = resolve(REPO, process.env.ALLPASS_TARBALL ?? 'target/npm/allpass-crypto-0.1.0.tgz');
/** The Node that runs the CLI: the one running the tests (`make test-cli` runs 20, 22 and 24). */
export const NODE = process.execPath;

/** Installs the tarball into a new temporary project; returns its paths and a cleanup. */
export function install() {
  const dir = mkdtempSync(join(tmpdir(), 'allpass-cli-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'cli-consumer', private: true }));
  execFileSync('npm', ['install', '--silent', '--no-audit', '--no-fund', '--no-package-lock', TARBALL], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  return {
    dir,
    pkg: join(dir, 'node_modules/allpass-crypto'),
    bin: join(dir, 'node_modules/.bin/allpass-crypto'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** An environment without the caller's ALLPASS_KEY or PORT, plus `extra`. */
export function cleanEnv(extra = {}) {
  const env = { ...process.env };
  delete env.ALLPASS_KEY;
  delete env.PORT;
  return { ...env, ...extra };
}

/**
 * Runs `allpass-crypto …args` to completion: { status, stdout (Buffer), out (string), err }.
 * `input` goes to stdin (nothing: stdin is empty, not a terminal).
 */
export function runCli(bin, args, { input, env = {}, cwd } = {}) {
  return new Promise((resolveRun, reject) => {
    const child = execFile(NODE, [bin, ...args], { env: cleanEnv(env), cwd, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolveRun({ status: error ? error.code : 0, stdout, out: stdout.toString('utf8'), err: stderr.toString('utf8') });
    });
    // A command that exits before reading stdin (a usage error) closes it first: EPIPE is not a failure.
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

/**
 * Starts `allpass-crypto serve …args` as a real process on a free port; resolves once it printed
 * its URL: { origin, url, output(), stop() } (stop sends SIGTERM and resolves to the exit code).
 */
export function startServe(bin, args = [], { env = {} } = {}) {
  return new Promise((resolveStart, reject) => {
    const child = spawn(NODE, [bin, 'serve', '--port', '0', ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const exited = new Promise((done) => child.on('exit', (code, signal) => done(code ?? signal)));
    const onData = (chunk) => {
      output += chunk;
      const match = /open +(http:\/\/\S+\/\?token=(\S+))/.exec(output);
      if (!match) return;
      child.stdout.off('data', onData);
      child.stdout.on('data', (more) => { output += more; });
      const url = match[1];
      resolveStart({
        child,
        url,
        token: match[2],
        origin: new URL(url).origin,
        output: () => output,
        stop: () => {
          child.kill('SIGTERM');
          return exited;
        },
      });
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', (chunk) => { output += chunk; });
    exited.then((code) => reject(new Error(`serve exited (${code}) before printing its URL:\n${output}`)));
  });
}
