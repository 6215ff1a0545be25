// Which changed functions and lines ran in the guest: gcov counters pulled out of the guest (debugfs), matched
// with the notes files the build left next to each object, read with the host's gcov in JSON.
import { copyFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { gcovJson } from '../tools/gcov.js';
import type { ChangedFunction } from '../series/changed.js';

interface GcovFunction {
  name: string;
  demangled_name?: string;
  start_line: number;
  end_line: number;
  execution_count: number;
}
interface GcovLine {
  line_number: number;
  count: number;
}
interface GcovFile {
  file: string;
  functions: GcovFunction[];
  lines: GcovLine[];
}
export interface GcovReport {
  files: GcovFile[];
}

export interface FunctionCoverage {
  file: string;
  name: string;
  /** How often the function was entered; undefined when no counters exist for its file. */
  calls?: number;
  /** Changed lines that have a counter, and how many of them ran. */
  linesWithCode: number;
  linesRun: number;
  patches: number[];
  /** Why no scenario reaches it, when that is known (guest/not-reached.tsv). */
  notReachedBecause?: string;
  /** The same, under the maintainers' suites (run after the scenarios, counted apart); undefined when none ran. */
  suites?: { calls: number; linesRun: number };
}

/** Where the guest's tar puts a file's counters: the build dir's absolute path under gcov/ (gcov-suites/ for the
 *  suites' run). */
export function gcdaPath(
  resultsDir: string,
  buildDir: string,
  file: string,
  run: 'gcov' | 'gcov-suites' = 'gcov',
): string {
  return path.join(resultsDir, run, buildDir.replace(/^\/+/, ''), file.replace(/\.c$/, '.gcda'));
}

/** Pure: the scenarios' coverage with the suites' counts beside it. */
export function withSuitesCoverage(
  scenarios: readonly FunctionCoverage[],
  suites: readonly FunctionCoverage[],
): FunctionCoverage[] {
  return scenarios.map((c) => {
    const s = suites.find((x) => x.file === c.file && x.name === c.name);
    return s?.calls === undefined ? c : { ...c, suites: { calls: s.calls, linesRun: s.linesRun } };
  });
}

/** gcov's JSON for one object: the guest's .gcda is put next to the build's .gcno for the run, then removed. */
export async function readCounters(buildDir: string, gcda: string, file: string): Promise<GcovReport | undefined> {
  const objDir = path.join(buildDir, path.dirname(file));
  const base = path.basename(file, '.c');
  if (!existsSync(gcda) || !existsSync(path.join(objDir, `${base}.gcno`))) return undefined;
  const target = path.join(objDir, `${base}.gcda`);
  await copyFile(gcda, target);
  try {
    return (await gcovJson(objDir, base)) as GcovReport | undefined;
  } finally {
    await rm(target, { force: true });
  }
}

/** Pure: per changed function, whether it ran and how many of its changed lines did. */
export function coverageOfChanges(
  report: GcovReport | undefined,
  changed: readonly ChangedFunction[],
): FunctionCoverage[] {
  return changed.map((fn) => {
    const file = report?.files.find((f) => f.file === fn.file || f.file.endsWith(`/${fn.file}`));
    if (!file) return { file: fn.file, name: fn.name, linesWithCode: 0, linesRun: 0, patches: fn.patches };
    const g = file.functions.find((f) => (f.demangled_name ?? f.name) === fn.name || f.name === fn.name);
    const counted = file.lines.filter((l) => fn.lines.includes(l.line_number));
    return {
      file: fn.file,
      name: fn.name,
      calls: g?.execution_count ?? 0,
      linesWithCode: counted.length,
      linesRun: counted.filter((l) => l.count > 0).length,
      patches: fn.patches,
    };
  });
}

/** Markdown table for the artifact and the report. */
export function coverageMarkdown(cell: string, rows: readonly FunctionCoverage[]): string {
  const out = [
    `# Coverage of the changed functions (${cell}, patched kernel: the scenarios, and apart the suites)`,
    '',
    '| file | function | patch | calls | changed lines run | suites: calls, lines | verdict |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const bySuites = (r.suites?.calls ?? 0) > 0;
    const verdict =
      r.calls === undefined
        ? 'no counters'
        : r.calls > 0
          ? 'executed'
          : bySuites
            ? 'executed by the suites only'
            : `not reached by any scenario${r.notReachedBecause ? `: ${r.notReachedBecause}` : ''}`;
    const suites = r.suites ? `${r.suites.calls}, ${r.suites.linesRun}/${r.linesWithCode}` : '–';
    out.push(
      `| ${r.file} | ${r.name} | ${r.patches.join(', ')} | ${r.calls ?? '–'} | ` +
        `${r.linesRun}/${r.linesWithCode} | ${suites} | ${verdict} |`,
    );
  }
  return out.join('\n') + '\n';
}
