// README tables that cannot drift: the run that measures a table writes it into README.md,
// between `<!-- NAME:begin (written by WRITER) -->` and `<!-- NAME:end -->`.
import { readFileSync, writeFileSync } from 'node:fs';

const README = new URL('../README.md', import.meta.url);

/** Replaces the README section `name` (its markers name `writer`) with `table`. */
export function writeReadmeSection(name, writer, table) {
  const begin = `<!-- ${name}:begin (written by ${writer}) -->`;
  const end = `<!-- ${name}:end -->`;
  const text = readFileSync(README, 'utf8');
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md has no ${begin} … ${end} section`);
  writeFileSync(README, `${text.slice(0, from + begin.length)}\n${table.trim()}\n${text.slice(to)}`);
}
