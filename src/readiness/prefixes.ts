// Which subject prefixes the maintainers of a file expect: learned from the tree's own history of the file when
// there is some, otherwise from a shipped table (lint/subject-prefixes.tsv) for dm and md.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Git } from '../tools/git.js';
import { packageRoot } from '../kernel/cells.js';

export interface PrefixRule {
  pattern: string;
  prefixes: string[];
}

export interface ExpectedPrefixes {
  /** Accepted prefixes, most usual first. Empty when nothing is known about the file. */
  prefixes: string[];
  source: 'history' | 'table' | 'none';
}

/** Fewer commits than this touching a file is not history enough to learn a convention from. */
const MIN_HISTORY = 3;

/** Pure: "dm crypt: fix x" → "dm crypt"; a subject with no "prefix: " part has none. */
export function subjectPrefix(subject: string): string | undefined {
  const m = /^([^:]{1,40}?):\s/.exec(subject.trim());
  return m ? m[1]!.trim() : undefined;
}

/** Pure: the table's lines ("glob<TAB>a, b, c"), comments and blank lines skipped. */
export function parsePrefixTable(text: string): PrefixRule[] {
  return text
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => {
      const [pattern, list] = l.split('\t');
      return {
        pattern: pattern!.trim(),
        prefixes: (list ?? '')
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean),
      };
    });
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(
    `^${glob
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]*')}$`,
  );
}

/** Pure: the first rule whose pattern matches the file. */
export function prefixesFromTable(rules: readonly PrefixRule[], file: string): string[] {
  return rules.find((r) => globToRegExp(r.pattern).test(file))?.prefixes ?? [];
}

/** Pure: from the subjects of a file's commits, the prefixes used at least twice (or the single most used). */
export function prefixesFromHistory(subjects: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const s of subjects) {
    const p = subjectPrefix(s.replace(/^(Revert|Reapply) "/, ''));
    if (p) counts.set(p, (counts.get(p) ?? 0) + 1);
  }
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const often = ranked.filter(([, n]) => n >= 2).map(([p]) => p);
  return often.length > 0 ? often : ranked.slice(0, 1).map(([p]) => p);
}

export async function loadPrefixTable(
  file = path.join(packageRoot(), 'lint', 'subject-prefixes.tsv'),
): Promise<PrefixRule[]> {
  return parsePrefixTable(await readFile(file, 'utf8'));
}

/** What the file's maintainers expect, from `git log <base> -- file` (never the series' own commits) or the table. */
export async function expectedPrefixes(
  git: Git,
  base: string,
  file: string,
  table: readonly PrefixRule[],
): Promise<ExpectedPrefixes> {
  const log = await git.exec(['log', '--no-merges', '--format=%s', '-n', '200', base, '--', file]);
  const subjects = log.code === 0 ? log.stdout.split('\n').filter(Boolean) : [];
  if (subjects.length >= MIN_HISTORY) {
    const learned = prefixesFromHistory(subjects);
    if (learned.length > 0) return { prefixes: learned, source: 'history' };
  }
  const fromTable = prefixesFromTable(table, file);
  return fromTable.length > 0 ? { prefixes: fromTable, source: 'table' } : { prefixes: [], source: 'none' };
}

/** Pure: prefixes acceptable for a patch touching several files: those every file accepts, else any file's. */
export function combinePrefixes(perFile: readonly ExpectedPrefixes[]): ExpectedPrefixes {
  const known = perFile.filter((e) => e.prefixes.length > 0);
  if (known.length === 0) return { prefixes: [], source: 'none' };
  const common = known[0]!.prefixes.filter((p) => known.every((k) => k.prefixes.includes(p)));
  const source = known.some((k) => k.source === 'history') ? 'history' : 'table';
  return { prefixes: common.length > 0 ? common : [...new Set(known.flatMap((k) => k.prefixes))], source };
}
