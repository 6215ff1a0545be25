import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chooseBase, namedBaseCommit } from '../../src/series/base.js';
import type { Series } from '../../src/series/intake.js';

const A = 'a'.repeat(40);

describe('where a series is applied', () => {
  test(
    "--ref wins and says it overrides base-commit; a range's base next; " +
      "then the series' base-commit where the tree has history",
    () => {
      expect(chooseBase({ ref: 'v6.12', named: A, source: 'remote' })).toEqual({
        ref: 'v6.12',
        why: '--ref',
        note: 'the series names base-commit aaaaaaaaaaaa; --ref v6.12 is used instead',
      });
      expect(chooseBase({ rangeBase: 'b'.repeat(40), named: A, source: 'git-dir' })).toEqual({
        ref: 'b'.repeat(40),
        why: 'the base of the commit range',
      });
      expect(chooseBase({ named: A, source: 'remote' })).toEqual({ ref: A, why: "the series' base-commit:" });
      expect(chooseBase({ named: A, source: 'git-dir' })).toEqual({ ref: A, why: "the series' base-commit:" });
    },
  );
  test("a tarball has no history: the base-commit is noted, not used; no base-commit: the source's default", () => {
    expect(chooseBase({ named: A, source: 'tarball' })).toEqual({
      why: 'the tarball',
      note: 'the series names base-commit aaaaaaaaaaaa, but a tarball has no history: applied to its tree',
    });
    expect(chooseBase({ source: 'remote' })).toEqual({ why: 'the default branch for-next' });
    expect(chooseBase({ source: 'git-dir' })).toEqual({ why: "the checkout's HEAD" });
  });
  test(
    'base-commit: is read from the cover letter first, ' +
      'else the first patch that has it; a quoted one does not count',
    async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'kpci-base-'));
      const file = (name: string, text: string) => (writeFileSync(path.join(dir, name), text), path.join(dir, name));
      const p1 = file('1', 'Subject: [PATCH 1/2] x\n\n> base-commit: ' + 'c'.repeat(40) + '\n---\n diff\n');
      const p2 = file('2', 'Subject: [PATCH 2/2] y\n\n---\n diff\n\nbase-commit: ' + A + '\n-- \n2.39.5\n');
      const series = { patches: [{ file: p1 }, { file: p2 }] } as unknown as Series;
      expect(await namedBaseCommit(series)).toBe(A);
      const cover = file('0', 'Subject: [PATCH 0/2] z\n\nbase-commit: ' + 'd'.repeat(40) + '\n');
      expect(await namedBaseCommit({ ...series, coverLetter: { subject: 'z', file: cover } })).toBe('d'.repeat(40));
      expect(await namedBaseCommit({ patches: [{ file: p1 }] } as unknown as Series)).toBeUndefined();
    },
  );
});
