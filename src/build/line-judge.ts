// Pure judge of the per-line proof of compile: which changed lines no cell compiled, and why, from what each cell's
// preprocessor kept (build/line-proof.ts) and the source around the lines.
import path from 'node:path';
import type { Finding } from '../results/model.js';
import { enclosingConditions, symbolsIn, type Condition } from '../kernel/cpp-lines.js';
import type { FileLines } from './line-proof.js';

export interface CellLines {
  cell: string;
  files: ReadonlyMap<string, FileLines>;
}

export interface LineTally {
  compiled: number;
  total: number;
}

/** Pure: changed code lines this cell compiled, out of all changed code lines of the series. */
export function tally(files: ReadonlyMap<string, FileLines>): LineTally {
  let compiled = 0;
  let total = 0;
  for (const f of files.values()) {
    total += f.marked.length;
    if (f.built) compiled += f.kept.length;
  }
  return { compiled, total };
}

/** Pure: changed code lines at least one cell compiled, out of all. */
export function tallyAnywhere(cells: readonly CellLines[]): LineTally {
  const all = new Map<string, Set<number>>();
  const kept = new Map<string, Set<number>>();
  for (const c of cells) {
    for (const [file, f] of c.files) {
      all.set(file, new Set([...(all.get(file) ?? []), ...f.marked]));
      if (f.built) kept.set(file, new Set([...(kept.get(file) ?? []), ...f.kept]));
    }
  }
  let compiled = 0;
  let total = 0;
  for (const [file, lines] of all) {
    total += lines.size;
    compiled += [...lines].filter((l) => kept.get(file)?.has(l)).length;
  }
  return { compiled, total };
}

function describe(c: Condition, file: string): string {
  return `\`${c.text}\` (${path.basename(file)}:${c.line})`;
}

/** What would compile a line under this branch: its symbols on (#if, #ifdef), or off (#ifndef, #else). */
function wouldCompile(branch: Condition): string {
  const opening = branch.opening ?? branch;
  if (/^#if\s+0\s*$/.test(opening.text) && !branch.opening) return 'no configuration compiles it';
  const negative = (text: string) => text.startsWith('#ifndef') || /^#(el)?if\s+!/.test(text);
  // an #else compiles when its #if does not: off for #ifdef X, on for #ifndef X
  const negated = branch.text.startsWith('#else') ? !negative(opening.text) : negative(branch.text);
  const symbols = symbolsIn(branch.text.startsWith('#else') ? opening.text : branch.text);
  if (symbols.length === 0) return 'the condition is false in every config that builds the file';
  return `a config with ${symbols.map((s) => `CONFIG_${s}${negated ? ' off' : '=y'}`).join(' and ')} would compile it`;
}

/**
 * Pure: a finding per run of changed lines no cell compiled, naming the preprocessor branch that excluded them and
 * what would compile them; a file no cell built at all is one finding at its first changed line, with each cell's
 * reason. `sources` holds the patched text of each changed file.
 */
export function linesNotCompiled(cells: readonly CellLines[], sources: ReadonlyMap<string, string>): Finding[] {
  const findings: Finding[] = [];
  const files = [...new Set(cells.flatMap((c) => [...c.files.keys()]))];
  for (const file of files) {
    const views = cells.map((c) => ({ cell: c.cell, lines: c.files.get(file) })).filter((v) => v.lines);
    const marked = views[0]?.lines?.marked ?? [];
    if (marked.length === 0) continue;
    const builders = views.filter((v) => v.lines!.built);
    const unbuilt = views.filter((v) => !v.lines!.built).map((v) => `${v.cell}: ${(v.lines as { why: string }).why}`);
    if (builders.length === 0) {
      findings.push({
        tool: 'kbuild',
        severity: 'warning',
        type: 'NOT_COMPILED',
        file,
        line: marked[0],
        new: true,
        message:
          `changed file not built by any config, ${marked.length} changed line${marked.length === 1 ? '' : 's'} ` +
          `never compiled (${unbuilt.join('; ')})`,
      });
      continue;
    }
    const kept = new Set(builders.flatMap((v) => (v.lines as { kept: number[] }).kept));
    const source = sources.get(file) ?? '';
    let run: { first: number; last: number; why: string } | undefined;
    const flush = () => {
      if (!run) return;
      const where = run.first === run.last ? `changed line ${run.first}` : `changed lines ${run.first}-${run.last}`;
      const elsewhere = unbuilt.length ? `; not built in ${unbuilt.join('; ')}` : '';
      findings.push({
        tool: 'kbuild',
        severity: 'warning',
        type: 'NOT_COMPILED_LINE',
        file,
        line: run.first,
        new: true,
        message: `${where} not compiled by any config: ${run.why}${elsewhere}`,
      });
      run = undefined;
    };
    for (const [i, line] of marked.entries()) {
      if (kept.has(line)) {
        flush();
        continue;
      }
      const [inner, outer] = enclosingConditions(source, line);
      const why = inner
        ? `inside ${describe(inner, file)}${outer ? ` within ${describe(outer, file)}` : ''}; ${wouldCompile(inner)}`
        : 'the preprocessor dropped it in every config that builds the file (a macro that discards its argument?)';
      if (run && run.why === why && marked[i - 1] === run.last) run.last = line;
      else {
        flush();
        run = { first: line, last: line, why };
      }
    }
    flush();
  }
  return findings;
}
