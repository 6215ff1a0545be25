import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { checkHygiene, hygieneFacts, type HygieneFacts } from '../../src/readiness/hygiene.js';
import {
  combinePrefixes,
  expectedPrefixes,
  loadPrefixTable,
  prefixesFromHistory,
  prefixesFromTable,
  subjectPrefix,
} from '../../src/readiness/prefixes.js';
import type { Patch } from '../../src/series/intake.js';
import { Git } from '../../src/tools/git.js';

const patch = (over: Partial<Patch>): Patch => ({
  index: 1,
  file: '/dev/null',
  subject: 'dm crypt: fix a thing',
  rawSubject: '[PATCH] dm crypt: fix a thing',
  author: 'Ann Tester',
  authorEmail: 'ann@example.invalid',
  signedOffBy: ['Ann Tester <ann@example.invalid>'],
  body: 'Explain the thing.\n\nSigned-off-by: Ann Tester <ann@example.invalid>\n',
  files: [{ path: 'drivers/md/dm-crypt.c', status: 'modified', binary: false, hunks: [] }],
  ...over,
});
const facts: HygieneFacts = {
  expected: { prefixes: ['dm crypt', 'dm'], source: 'table' },
  commitSubjects: new Map<string, string | undefined>(),
};
const types = (p: Patch, f = facts) => checkHygiene(p, f).map((x) => x.type);

describe('checkHygiene', () => {
  test('a clean patch has no findings', () => {
    expect(checkHygiene(patch({}), facts)).toEqual([]);
  });
  test('sign-off missing, or by someone else than the author (emails compared case-insensitively)', () => {
    expect(types(patch({ signedOffBy: [] }))).toEqual(['MISSING_SIGN_OFF']);
    expect(types(patch({ signedOffBy: ['Bob <bob@example.invalid>'] }))).toEqual(['SIGN_OFF_MISMATCH']);
    expect(types(patch({ signedOffBy: ['Ann <ANN@example.invalid>'] }))).toEqual([]);
  });
  test('prefix, length and description', () => {
    expect(types(patch({ subject: 'crypto: fix a thing' }))).toEqual(['WRONG_SUBJECT_PREFIX']);
    expect(types(patch({ subject: 'fix a thing in the crypt target' }))).toEqual(['MISSING_SUBJECT_PREFIX']);
    expect(types(patch({ subject: `dm crypt: ${'x'.repeat(65)}` }))).toEqual([]); // 75 characters: the limit
    expect(types(patch({ subject: `dm crypt: ${'x'.repeat(66)}` }))).toEqual(['LONG_SUBJECT']);
    expect(types(patch({ body: 'Signed-off-by: Ann Tester <ann@example.invalid>\n' }))).toEqual([
      'MISSING_COMMIT_DESCRIPTION',
    ]);
    expect(
      types(patch({ subject: 'anything: goes' }), { ...facts, expected: { prefixes: [], source: 'none' } }),
    ).toEqual([]);
  });
  test('Fixes: tags: form, and the quoted subject against the commit in the tree', () => {
    const body = (fixes: string) => `Explain.\n\nFixes: ${fixes}\nSigned-off-by: Ann Tester <ann@example.invalid>\n`;
    const known = {
      ...facts,
      commitSubjects: new Map([
        ['0123456789ab', 'dm crypt: add a thing'],
        ['ba9876543210', undefined],
      ]),
    };
    expect(types(patch({ body: body('0123456789ab ("dm crypt: add a thing")') }), known)).toEqual([]);
    expect(types(patch({ body: body('ba9876543210 ("not in this tree")') }), known)).toEqual([]);
    expect(types(patch({ body: body('0123456789ab ("dm crypt: add another thing")') }), known)).toEqual([
      'FIXES_SUBJECT_MISMATCH',
    ]);
    expect(types(patch({ body: body('0123456 ("dm crypt: add a thing")') }), known)).toEqual(['BAD_FIXES_TAG']);
    expect(types(patch({ body: body('0123456789ab dm crypt: add a thing') }), known)).toEqual(['BAD_FIXES_TAG']);
  });
  test('Reported-by: needs a Closes: or Link: right after it', () => {
    const body = (after: string) =>
      `Explain.\n\nReported-by: Carol <c@example.invalid>\n${after}Signed-off-by: Ann Tester <ann@example.invalid>\n`;
    expect(types(patch({ body: body('Closes: https://lore.kernel.org/r/1@x/\n') }))).toEqual([]);
    expect(types(patch({ body: body('Link: https://bugzilla.kernel.org/1\n') }))).toEqual([]);
    expect(types(patch({ body: body('') }))).toEqual(['MISSING_CLOSES_TAG']);
  });
});

describe('subject prefixes', () => {
  test('pure helpers', () => {
    expect(subjectPrefix('dm log writes: use kmap_local_page()')).toBe('dm log writes');
    expect(subjectPrefix('md/md-bitmap: fix')).toBe('md/md-bitmap');
    expect(subjectPrefix('no prefix here')).toBeUndefined();
    expect(
      prefixesFromHistory(['dm crypt: a', 'dm crypt: b', 'dm: c', 'dm: d', 'Revert "dm crypt: a"', 'crypto: e']),
    ).toEqual(['dm crypt', 'dm']);
    expect(prefixesFromHistory(['x: a', 'y: b'])).toEqual(['x']);
    expect(
      combinePrefixes([
        { prefixes: ['dm crypt', 'dm'], source: 'table' },
        { prefixes: ['dm log writes', 'dm'], source: 'table' },
      ]),
    ).toEqual({ prefixes: ['dm'], source: 'table' });
  });
  test('the shipped table: dm targets, md files, and the dm fallback', async () => {
    const table = await loadPrefixTable();
    expect(prefixesFromTable(table, 'drivers/md/dm-crypt.c')[0]).toBe('dm crypt');
    expect(prefixesFromTable(table, 'drivers/md/dm-log-writes.c')[0]).toBe('dm log writes');
    expect(prefixesFromTable(table, 'drivers/md/dm-thin-metadata.c')[0]).toBe('dm thin');
    expect(prefixesFromTable(table, 'drivers/md/dm-something-new.c')).toEqual(['dm']);
    expect(prefixesFromTable(table, 'drivers/md/md-bitmap.c')[0]).toBe('md/md-bitmap');
    expect(prefixesFromTable(table, 'drivers/md/raid5.c')[0]).toBe('md/raid5');
    expect(prefixesFromTable(table, 'fs/ext4/inode.c')).toEqual([]);
  });

  describe("learned from the tree's own git log when it has history", () => {
    let dir: string;
    let base: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'kpci-prefix-'));
      const git = (...args: string[]) =>
        execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
          cwd: dir,
          encoding: 'utf8',
          env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' },
        });
      git('init', '-q');
      await mkdir(path.join(dir, 'drivers/md'), { recursive: true });
      const subjects = [
        'dm crypt: add lmk',
        'dm crypt: add tcw',
        'dm-crypt: add elephant',
        'dm crypt: fix tcw',
        'dm: use a helper',
      ];
      for (const [i, s] of subjects.entries()) {
        await writeFile(path.join(dir, 'drivers/md/dm-crypt.c'), `int v = ${i};\n`);
        git('add', '-A');
        git('commit', '-qm', s);
      }
      base = git('rev-parse', 'HEAD').trim();
      // a commit after the base must not teach anything: it stands for the series itself
      await writeFile(path.join(dir, 'drivers/md/dm-crypt.c'), 'int v = 9;\n');
      git('commit', '-qam', 'crypto: series commit');
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    test('prefixes used at least twice before the base, most used first; the table is not used', async () => {
      const table = await loadPrefixTable();
      expect(await expectedPrefixes(new Git({ cwd: dir }), base, 'drivers/md/dm-crypt.c', table)).toEqual({
        prefixes: ['dm crypt'],
        source: 'history',
      });
      // a file with no history there falls back to the table
      expect(await expectedPrefixes(new Git({ cwd: dir }), base, 'drivers/md/dm-log-writes.c', table)).toEqual({
        prefixes: ['dm log writes', 'dm'],
        source: 'table',
      });
      const findings = checkHygiene(
        patch({ subject: 'dm: fix' }),
        await hygieneFacts(patch({}), new Git({ cwd: dir }), base, table),
      );
      expect(findings.map((f) => f.message)).toEqual([
        'subject prefix "dm:" is not what the maintainers of these files use; the files\' git log says "dm crypt:"',
      ]);
    });

    test('Fixes: names a real commit of the tree: its subject is looked up', async () => {
      const sha = base.slice(0, 12);
      const p = patch({
        body: `Explain.\n\nFixes: ${sha} ("dm: use the helper")\nSigned-off-by: Ann Tester <ann@example.invalid>\n`,
      });
      const f = await hygieneFacts(p, new Git({ cwd: dir }), base, []);
      expect(f.commitSubjects.get(sha)).toBe('dm: use a helper');
      expect(checkHygiene(p, f).map((x) => x.type)).toEqual(['FIXES_SUBJECT_MISMATCH']);
    });
  });
});
