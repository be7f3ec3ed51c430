// Prints the framework × behaviour table from what the last run of tests/integrations recorded
// (target/integrations-results/), and saves it when every cell passed (target/readme/): `make docs`
// writes it into README.md, and `make test-readme` fails while README.md differs.
// Usage: node tests/integrations/table.mjs
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { forgetSection, saveSection } from '../../.ci/readme-section.mjs';
import { join } from 'node:path';
import { repo } from './harness.mjs';

const dir = join(repo, 'target/integrations-results');
if (!existsSync(dir)) throw new Error('no results: run the integration tests first');
const order = ['node:http', 'Express 5', 'Fastify 5', 'Koa 3', 'Hono 4 on @hono/node-server', 'Deno.serve', 'Bun.serve', 'Hono 4 in workerd (Miniflare)', 'Next.js 16 (Turbopack), Node.js route handler', 'Next.js 16 (Turbopack), Edge route handler', 'Next.js 16 (webpack), Node.js route handler', 'NestJS 11 on Express', 'AWS Lambda: API Gateway REST API, binary media types `*/*`', 'AWS Lambda: HTTP API (payload 2.0)', 'AWS Lambda: Function URL', 'AWS Lambda: ALB, multi-value headers'];
const runs = readdirSync(dir)
  .filter((name) => name.endsWith('.json'))
  .map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')))
  .sort((a, b) => (order.indexOf(a.server) + 1 || 99) - (order.indexOf(b.server) + 1 || 99));
const columns = [...new Set(runs.flatMap((run) => Object.keys(run.results)))];
const cell = (value) => (value === true ? 'pass' : value === false ? '**FAIL**' : '–');
const table = [
  `| server | ${columns.join(' | ')} |`,
  `| --- | ${columns.map(() => '---').join(' | ')} |`,
  ...runs.map((run) => `| ${run.server} | ${columns.map((column) => cell(run.results[column])).join(' | ')} |`),
].join('\n');
console.log(table);

const allPassed = runs.every((run) => Object.values(run.results).every(Boolean));
if (allPassed) saveSection('integrations', table);
else forgetSection('integrations');
