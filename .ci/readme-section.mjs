// README tables that cannot drift. Each lives in README.md between
// `<!-- NAME:begin (written by WRITER) -->` and `<!-- NAME:end -->`.
//
// The tables `make test` measures (the runtimes, the integrations) are saved by their suites to
// target/readme/NAME.md (`saveSection`); `make docs` copies the last run's into README.md, and
// `make test` fails when README.md differs from what that would write:
//   node .ci/readme-section.mjs write   # make docs
//   node .ci/readme-section.mjs check   # make test-readme (part of make test)
// `make bench` writes its performance table into README.md itself (`writeReadmeSection`).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const README = new URL('../README.md', import.meta.url);
const SAVED = new URL('../target/readme/', import.meta.url);

/** The sections a test run measures: name → the suite that saves it. */
export const MEASURED = {
  'works-in': 'make test-runtimes',
  integrations: 'make test-integrations',
};

const savedFile = (name) => new URL(`${name}.md`, SAVED);

/** Saves the table `name` a suite measured, for `make docs` and the README check. */
export function saveSection(name, table) {
  if (!(name in MEASURED)) throw new Error(`${name} is not a section a test run measures`);
  mkdirSync(SAVED, { recursive: true });
  writeFileSync(savedFile(name), `${table.trim()}\n`);
}

/** Forgets a saved table (a suite about to measure it again, which may fail). */
export function forgetSection(name) {
  rmSync(savedFile(name), { force: true });
}

/** `text` with the section `name` replaced by `table`. */
function withSection(text, name, table) {
  const begin = new RegExp(`<!-- ${name}:begin \\(written by [^)]*\\) -->`);
  const end = `<!-- ${name}:end -->`;
  const found = begin.exec(text);
  const to = text.indexOf(end);
  if (!found || to < found.index) throw new Error(`README.md has no <!-- ${name}:begin (written by …) --> … ${end} section`);
  const from = found.index + found[0].length;
  return `${text.slice(0, from)}\n${table.trim()}\n${text.slice(to)}`;
}

/** Replaces the README section `name` (its markers name `writer`) with `table`. */
export function writeReadmeSection(name, writer, table) {
  const text = readFileSync(README, 'utf8');
  if (!text.includes(`<!-- ${name}:begin (written by ${writer}) -->`)) throw new Error(`README.md's ${name} section does not name ${writer}`);
  writeFileSync(README, withSection(text, name, table));
}

/** The last run's table `name`, or an Error saying which suite to run. */
function saved(name) {
  const file = savedFile(name);
  const table = existsSync(file) ? readFileSync(file, 'utf8') : '';
  if (!table) throw new Error(`no ${name} table from a passing run: run \`${MEASURED[name]}\` first`);
  return table;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const mode = process.argv[2];
  if (mode !== 'write' && mode !== 'check') {
    console.error('usage: node .ci/readme-section.mjs write|check');
    process.exit(2);
  }
  const current = readFileSync(README, 'utf8');
  let text = current;
  let passed = 0;
  let failed = 0;
  for (const name of Object.keys(MEASURED)) {
    let wanted;
    try {
      wanted = withSection(text, name, saved(name));
    } catch (error) {
      console.log(`FAIL ${name}: ${error.message}`);
      failed++;
      continue;
    }
    if (mode === 'check' && wanted !== text) {
      const readme = new Set(text.split('\n'));
      const run = new Set(wanted.split('\n'));
      const lines = [...text.split('\n').filter((line) => !run.has(line)).map((line) => `  README: ${line}`), ...wanted.split('\n').filter((line) => !readme.has(line)).map((line) => `  run:    ${line}`)];
      console.log(`FAIL ${name}: README.md's table is not what the last run measured (\`make docs\` writes it):\n${lines.join('\n')}`);
      failed++;
    } else {
      console.log(`${mode === 'write' && wanted !== text ? 'wrote' : 'ok'} ${name}: README.md's table is what \`${MEASURED[name]}\` measured`);
      passed++;
    }
    text = wanted;
  }
  if (mode === 'write' && text !== current) writeFileSync(README, text);
  console.log(`README tables: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
