// addedLinesInFinalTree on the fixture series, and on series made here with git from a file whose every line says
// whether a patch wrote it: git applies the series, and the lines of the final file that carry the mark are the
// truth the function is checked against.
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addedLinesInFinalTree } from '../../src/series/changed.js';
import { parseDiff } from '../../src/series/diff.js';
import type { Patch } from '../../src/series/intake.js';
import { FIXTURES } from '../helpers/fixtures.js';

const patch = (index: number, text: string): Patch => ({
  index,
  file: '',
  subject: '',
  rawSubject: '',
  author: '',
  authorEmail: '',
  signedOffBy: [],
  body: '',
  files: parseDiff(text),
});

/** A fixture series as parsed patches, in order. */
function fixtureSeries(name: string): Patch[] {
  const dir = path.join(FIXTURES, 'series', name);
  return readdirSync(dir)
    .sort()
    .filter((f) => !f.startsWith('0000-'))
    .map((f, i) => patch(i + 1, readFileSync(path.join(dir, f), 'utf8')));
}

describe('addedLinesInFinalTree on the fixture series', () => {
  test('highmem-snapshot: the four kmap lines of swap_two_pages_data()', () => {
    expect(addedLinesInFinalTree(fixtureSeries('highmem-snapshot'))).toEqual(
      new Map([['kernel/power/snapshot.c', [2899, 2900, 2904, 2905]]]),
    );
  });

  test("checkpatch-line-moved: patch 2 adds three lines above, so patch 1's line 560 ends at 563", () => {
    expect(addedLinesInFinalTree(fixtureSeries('checkpatch-line-moved'))).toEqual(
      new Map([['drivers/md/dm-crypt.c', [31, 32, 33, 563]]]),
    );
  });

  test('build-if-0: the line inside #if 0', () => {
    expect(addedLinesInFinalTree(fixtureSeries('build-if-0'))).toEqual(new Map([['drivers/md/dm-kcopyd.c', [906]]]));
  });

  test('readiness-kmap-lint: five patches on dm-crypt.c, lines sorted and each once', () => {
    const series = fixtureSeries('readiness-kmap-lint');
    expect(series).toHaveLength(5);
    const lines = addedLinesInFinalTree(series).get('drivers/md/dm-crypt.c')!;
    expect(lines).toEqual([...new Set(lines)].sort((a, b) => a - b));
    // as many as the patches added, less those a later patch rewrote in place
    const added = series.flatMap((p) => p.files.flatMap((f) => f.hunks.flatMap((h) => h.added)));
    expect(lines.length).toBeLessThanOrEqual(added.length);
    expect(lines.length).toBeGreaterThan(0);
  });
});

// A series made with git: each step rewrites the file, a line a patch writes carries "/* new */".
const NEW = '/* new */';

interface Made {
  patches: Patch[];
  final: Map<string, string>;
}

function makeSeries(base: Record<string, string>, steps: ((files: Map<string, string>) => void)[]): Made {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kpci-added-'));
  const env = {
    ...process.env,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 't',
    GIT_AUTHOR_EMAIL: 't@t',
    GIT_COMMITTER_NAME: 't',
    GIT_COMMITTER_EMAIL: 't@t',
  };
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' });
  try {
    git('init', '-q');
    const files = new Map(Object.entries(base));
    const write = () => {
      for (const f of git('ls-files').split('\n').filter(Boolean)) if (!files.has(f)) unlinkSync(path.join(dir, f));
      for (const [f, text] of files) {
        execFileSync('mkdir', ['-p', path.dirname(path.join(dir, f))]);
        writeFileSync(path.join(dir, f), text);
      }
      git('add', '-A');
    };
    write();
    git('commit', '-q', '-m', 'base');
    const patches: Patch[] = [];
    for (const [i, step] of steps.entries()) {
      step(files);
      write();
      git('commit', '-q', '-m', `step ${i + 1}`);
      patches.push(patch(i + 1, git('show', '--format=', '-M', 'HEAD')));
    }
    return { patches, final: files };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The truth: the lines of each final .c file that a patch wrote. */
const marked = (final: Map<string, string>) =>
  new Map(
    [...final]
      .filter(([f]) => f.endsWith('.c'))
      .map(([f, text]) => [f, text.split('\n').flatMap((l, i) => (l.includes(NEW) ? [i + 1] : []))] as const)
      .filter(([, l]) => l.length),
  );

const numbered = (n: number, name = 'line') =>
  Array.from({ length: n }, (_, i) => `int ${name}${i + 1};`).join('\n') + '\n';
const edit = (files: Map<string, string>, file: string, change: (lines: string[]) => void) => {
  const lines = files.get(file)!.split('\n');
  change(lines);
  files.set(file, lines.join('\n'));
};

describe('addedLinesInFinalTree against the series git applied', () => {
  const C = 'drivers/md/dm-x.c';

  test('insertions, a rewrite of an added line, and later patches above and below', () => {
    const { patches, final } = makeSeries({ [C]: numbered(200), 'drivers/md/dm-x.h': numbered(5) }, [
      (f) => edit(f, C, (l) => l.splice(100, 0, `int a1; ${NEW}`, `int a2; ${NEW}`, `int a3; ${NEW}`)),
      (f) => edit(f, C, (l) => l.splice(10, 2, `int b1; ${NEW}`)), // two lines become one, above
      (f) => edit(f, C, (l) => (l[100] = `int a2 = 2; ${NEW}`)), // patch 1's middle line rewritten
      (f) => edit(f, C, (l) => l.splice(150, 0, `int c1; ${NEW}`)), // below
      (f) => edit(f, 'drivers/md/dm-x.h', (l) => l.splice(1, 0, `int h; ${NEW}`)), // not a .c file
    ]);
    expect(addedLinesInFinalTree(patches)).toEqual(marked(final));
    expect(marked(final).get(C)).toEqual([11, 100, 101, 102, 151]);
  });

  test('two files, one of them new', () => {
    const N = 'drivers/md/dm-new.c';
    const { patches, final } = makeSeries({ [C]: numbered(50) }, [
      (f) => f.set(N, numbered(30).replace(/;/g, `; ${NEW}`)),
      (f) => edit(f, C, (l) => l.splice(0, 0, `#include "dm-new.h" ${NEW}`)),
      (f) => edit(f, N, (l) => l.splice(30, 0, `int appended; ${NEW}`)),
    ]);
    expect(addedLinesInFinalTree(patches)).toEqual(marked(final));
    expect(addedLinesInFinalTree(patches).get(N)).toHaveLength(31);
  });

  test('a file a later patch deletes has no added lines left', () => {
    const { patches, final } = makeSeries({ [C]: numbered(50), 'drivers/md/dm-y.c': numbered(20) }, [
      (f) => edit(f, 'drivers/md/dm-y.c', (l) => l.splice(5, 0, `int y; ${NEW}`)),
      (f) => edit(f, C, (l) => l.splice(5, 0, `int x; ${NEW}`)),
      (f) => f.delete('drivers/md/dm-y.c'),
    ]);
    expect(addedLinesInFinalTree(patches)).toEqual(marked(final));
    expect([...addedLinesInFinalTree(patches).keys()]).toEqual([C]);
  });
});

// Cases a line-offset mapping gets wrong (it was once wrong on each): a kept line inside a later hunk, a line a
// later patch deletes, a file a later patch renames.
describe('addedLinesInFinalTree through later hunks, deletions and renames', () => {
  const C = 'drivers/md/dm-x.c';
  const Z = 'drivers/md/dm-z.c';
  const once = <T>(make: () => T) => {
    let made: T | undefined;
    return () => (made ??= make());
  };
  // patch 2 inserts a line just above patch 1's, so patch 1's line is context in patch 2's hunk and moves down by
  // one; shiftLine maps a line inside a hunk by its distance from the hunk's start, and leaves it where it was
  const moved = once(() =>
    makeSeries({ [C]: numbered(50) }, [
      (f) => edit(f, C, (l) => l.splice(20, 0, `int a1; ${NEW}`)),
      (f) => edit(f, C, (l) => l.splice(19, 0, `int b1; ${NEW}`)),
    ]),
  );
  // patch 2 deletes patch 1's line: it is mapped into patch 2's hunk, onto the line after it
  const deleted = once(() =>
    makeSeries({ [C]: numbered(50) }, [
      (f) => edit(f, C, (l) => l.splice(20, 0, `int a1; ${NEW}`)),
      (f) => edit(f, C, (l) => l.splice(20, 1)),
    ]),
  );
  // patch 2 renames the file: the line stays under the old name
  const renamed = once(() =>
    makeSeries({ [C]: numbered(50) }, [
      (f) => edit(f, C, (l) => l.splice(20, 0, `int a1; ${NEW}`)),
      (f) => {
        f.set(Z, f.get(C)!);
        f.delete(C);
      },
    ]),
  );

  test('the series git made for them', () => {
    expect(marked(moved().final)).toEqual(new Map([[C, [20, 22]]]));
    expect(marked(deleted().final)).toEqual(new Map());
    expect(renamed().patches[1]!.files[0]).toMatchObject({ status: 'renamed', oldPath: C, path: Z });
    expect(marked(renamed().final)).toEqual(new Map([[Z, [21]]]));
  });

  test('a line a later patch moves inside its own hunk ends where git put it', () => {
    expect(addedLinesInFinalTree(moved().patches)).toEqual(marked(moved().final));
  });

  test('a line a later patch deletes is not reported', () => {
    expect(addedLinesInFinalTree(deleted().patches)).toEqual(new Map());
  });

  test('the lines of a file a later patch renames are reported under its new name', () => {
    expect(addedLinesInFinalTree(renamed().patches)).toEqual(marked(renamed().final));
  });
});
