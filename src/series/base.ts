// Where a series is applied. `git format-patch --base` writes "base-commit: <sha>" into the series (0-day and b4
// read it): apply there, as they do, unless --ref says otherwise; a tarball has no history, so it only notes it.
import { readFile } from 'node:fs/promises';
import type { Series } from './intake.js';
import type { TreeSource } from '../tree/source.js';

const BASE_COMMIT = /^base-commit: ([0-9a-f]{40})\s*$/m;

/** The base-commit the series names (the cover letter's, else the first patch's that has one). */
export async function namedBaseCommit(series: Series): Promise<string | undefined> {
  for (const file of [...(series.coverLetter ? [series.coverLetter.file] : []), ...series.patches.map((p) => p.file)]) {
    const m = BASE_COMMIT.exec(await readFile(file, 'utf8').catch(() => ''));
    if (m) return m[1];
  }
  return undefined;
}

export interface BaseChoice {
  /** The ref to prepare the tree at; undefined: the source's default (for-next, HEAD, the tarball). */
  ref?: string;
  /** Why, for results.json and the report: "the series' base-commit:". */
  why: string;
  /** Said on stderr when the series' base-commit is not used. */
  note?: string;
}

/** Pure: --ref first, then a BASE..HEAD range's base, then the series' base-commit: where the tree has history. */
export function chooseBase(opts: {
  ref?: string;
  rangeBase?: string;
  named?: string;
  source: TreeSource['kind'];
}): BaseChoice {
  const short = opts.named?.slice(0, 12);
  if (opts.ref !== undefined) {
    return {
      ref: opts.ref,
      why: '--ref',
      ...(opts.named && opts.named !== opts.ref
        ? { note: `the series names base-commit ${short}; --ref ${opts.ref} is used instead` }
        : {}),
    };
  }
  if (opts.rangeBase !== undefined) return { ref: opts.rangeBase, why: 'the base of the commit range' };
  if (opts.named && (opts.source === 'remote' || opts.source === 'git-dir'))
    return { ref: opts.named, why: "the series' base-commit:" };
  if (opts.named)
    return {
      why: opts.source === 'tarball' ? 'the tarball' : 'the directory',
      note:
        `the series names base-commit ${short}, but a ${opts.source === 'tarball' ? 'tarball' : 'plain directory'} ` +
        'has no history: applied to its tree',
    };
  return {
    why:
      opts.source === 'remote'
        ? 'the default branch for-next'
        : opts.source === 'git-dir'
          ? "the checkout's HEAD"
          : opts.source === 'tarball'
            ? 'the tarball'
            : 'the directory',
  };
}
