// A step of `make bench` run alone (webhooks.mjs, lambda.mjs) rewrites its own section of
// RESULTS.md and leaves the others as the last full run wrote them.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const RESULTS = new URL('./RESULTS.md', import.meta.url);

/** Replaces the section `heading` (up to the next `## ` heading), or inserts it before the
 * part bench.mjs keeps (`## Decisions, and what is left`). */
function writeSection(heading, section) {
  const text = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '';
  const from = text.indexOf(`\n${heading}\n`);
  let updated;
  if (from >= 0) {
    const next = text.indexOf('\n## ', from + 1);
    updated = `${text.slice(0, from)}\n${section}${next >= 0 ? text.slice(next) : ''}`;
  } else {
    const kept = text.indexOf('\n## Decisions, and what is left');
    updated = kept >= 0 ? `${text.slice(0, kept)}\n${section}${text.slice(kept)}` : `${text.trimEnd()}\n\n${section}`;
  }
  writeFileSync(RESULTS, updated);
}

/** A step's main, run alone: `measure()`, then its section written into RESULTS.md (printed only
 * when `write` is false: a partial run); with `--json` (bench.mjs) the measurement printed
 * instead, or on failure its cause, for bench.mjs to write. */
export async function runStep(measure, sectionOf, heading, { write = true } = {}) {
  let result;
  try {
    result = await measure();
  } catch (error) {
    if (process.argv.includes('--json')) console.log(JSON.stringify({ error: String(error?.message ?? error).split('\n')[0] }));
    throw error;
  }
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(result));
  } else {
    const section = sectionOf(result);
    if (write) writeSection(heading, section);
    console.log(section);
  }
}
