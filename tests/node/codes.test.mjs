// Error codes and reasons have one list, the package's lib/codes.mjs (CODES, REASONS: which layer
// raises each; HINTS: what to do). Every other place that names them is checked against it here:
// the Rust core's enums (src/error.rs), the bindings' (wasm/src/), every `allpassError(…)` call
// of the JavaScript layer and the CLI, the TypeScript unions the package ships, and README. The
// vendor's event names (lib/events.mjs) are a union of the shipped types too, checked alike.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CODES, REASONS, packageDir } from './package-under-test.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path) => readFileSync(join(root, path), 'utf8');
const sorted = (names) => [...new Set(names)].sort();
/** The names `list` says `layer` raises. */
const raisedBy = (list, layer) => sorted(Object.keys(list).filter((name) => list[name].includes(layer)));
/** The body of the Rust function `fn name(` (up to the first line that closes it at its indent). */
function rustFn(text, name) {
  const start = text.indexOf(`fn ${name}(`);
  assert.ok(start >= 0, `fn ${name} not found`);
  const indent = text.slice(text.lastIndexOf('\n', start) + 1, start).match(/^ */)[0];
  const end = text.indexOf(`\n${indent}}`, start);
  return text.slice(start, end);
}
/** Every `=> "NAME"` match arm. */
const arms = (text) => [...text.matchAll(/=>\s*"([A-Z][A-Z0-9_]*)"/g)].map((match) => match[1]);

it('the Rust core raises exactly the codes and reasons lib/codes.mjs gives to `core`', () => {
  const error = read('src/error.rs');
  assert.deepEqual(sorted(arms(rustFn(error, 'code'))), raisedBy(CODES, 'core'), 'Error::code (src/error.rs)');
  // Error::reason delegates to the two problem enums' reason(), the only other `=> "…"` arms.
  const reasons = arms(error).filter((name) => !arms(rustFn(error, 'code')).includes(name));
  assert.deepEqual(sorted(reasons), raisedBy(REASONS, 'core'), 'KeyProblem / CiphertextProblem::reason (src/error.rs)');
});

it('the bindings raise exactly the codes and reasons lib/codes.mjs gives to `bindings`', () => {
  const error = read('wasm/src/error.rs');
  const own = arms(rustFn(error, 'code'));
  assert.deepEqual(sorted(own), raisedBy(CODES, 'bindings'), 'Failure::code (wasm/src/error.rs)');
  const sources = readdirSync(join(root, 'wasm/src')).filter((name) => name.endsWith('.rs')).map((name) => read(`wasm/src/${name}`)).join('\n');
  const calls = [...sources.matchAll(/Failure::argument\(/g)].length;
  const reasons = [...sources.matchAll(/Failure::argument\(\s*"([A-Z][A-Z0-9_]*)"/g)].map((match) => match[1]);
  assert.equal(reasons.length, calls, 'every Failure::argument(…) names its reason as a literal');
  assert.deepEqual(sorted(reasons), raisedBy(REASONS, 'bindings'), 'Failure::argument reasons (wasm/src)');
});

it('the JavaScript layer and the CLI raise exactly the codes and reasons lib/codes.mjs gives to `js`', () => {
  const files = (dir) => readdirSync(join(root, dir), { recursive: true }).filter((name) => name.endsWith('.mjs')).map((name) => `${dir}/${name}`);
  const codes = [];
  const reasons = [];
  for (const path of [...files('pkg/lib'), ...files('pkg/bin')]) {
    const text = read(path).replace(/export function allpassError\(/, '');
    const calls = [...text.matchAll(/\ballpassError\(/g)].length;
    const literal = [...text.matchAll(/\ballpassError\(\s*'([A-Z][A-Z0-9_]*)',\s*(?:'([A-Z][A-Z0-9_]*)'|undefined)\s*,/g)];
    assert.equal(literal.length, calls, `${path}: every allpassError(…) names its code and reason (or undefined) as literals`);
    for (const [, code, reason] of literal) {
      codes.push(code);
      if (reason) reasons.push(reason);
    }
  }
  assert.deepEqual(sorted(codes), raisedBy(CODES, 'js'), 'codes of allpassError(…) calls');
  assert.deepEqual(sorted(reasons), raisedBy(REASONS, 'js'), 'reasons of allpassError(…) calls');
});

it('the TypeScript unions the package ships are the lists (codes, reasons, and lib/events.mjs: the vendor\'s event names)', async () => {
  const declarations = readdirSync(packageDir, { recursive: true })
    .filter((name) => /\.d\.[cm]?ts$/.test(name) && !name.startsWith('node_modules'))
    .map((name) => [name, readFileSync(join(packageDir, name), 'utf8')]);
  const { APPLICANT_EVENTS } = await import(pathToFileURL(join(packageDir, 'lib/events.mjs')).href);
  for (const [type, names] of [['AllpassErrorCode', Object.keys(CODES)], ['AllpassErrorReason', Object.keys(REASONS)], ['ApplicantEventName', APPLICANT_EVENTS]]) {
    const found = declarations.flatMap(([name, text]) => {
      const match = text.match(new RegExp(`export type ${type} =([^;]*);`));
      return match ? [[name, match[1].replace(/\/\*[\s\S]*?\*\//g, '')]] : [];
    });
    assert.ok(found.length > 0, `no shipped .d.ts declares ${type}`);
    for (const [name, union] of found) {
      assert.deepEqual(sorted([...union.matchAll(/'(\w+)'/g)].map((match) => match[1])), sorted(names), `${type} in ${name}`);
    }
  }
});

it("README's Errors section lists every code in its table and every reason in its text", () => {
  const readme = read('README.md');
  const section = readme.slice(readme.indexOf('### Errors'), readme.indexOf('\n## ', readme.indexOf('### Errors')));
  const table = section.slice(section.indexOf('| `code` |'));
  const text = section.slice(0, section.indexOf('| `code` |'));
  assert.deepEqual(sorted([...table.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((match) => match[1])), sorted(Object.keys(CODES)), 'codes in the table');
  assert.deepEqual(sorted([...text.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((match) => match[1])), sorted(Object.keys(REASONS)), 'reasons in the text before the table');
});

it('every layer named is a layer, and every code and reason has one', async () => {
  const { HINTS } = await import(new URL(`file://${join(packageDir, 'lib/codes.mjs')}`).href);
  for (const [name, layers] of [...Object.entries(CODES), ...Object.entries(REASONS)]) {
    assert.ok(layers.length > 0 && layers.every((layer) => ['core', 'bindings', 'js'].includes(layer)), name);
  }
  for (const key of Object.keys(HINTS)) {
    const [code, reason] = key.split('.');
    assert.ok(code in CODES, `hint for unknown code ${key}`);
    if (reason) assert.ok(reason in REASONS, `hint for unknown reason ${key}`);
  }
});
