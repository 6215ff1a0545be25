// Real git mailsplit/mailinfo on real and broken inputs; no kernel tree needed, so this stays in the fast suite.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, mkdir, rm, writeFile, readFile, copyFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RunError } from '../../src/errors.js';
import { readSeries } from '../../src/series/intake.js';
import type { TreeSource } from '../../src/tree/source.js';
import { EXAMPLE_SERIES } from '../helpers/fixtures.js';

let tmp: string;
const tarball: TreeSource = { kind: 'tarball', file: '/nonexistent.tar.xz' };
const work = () => mkdtemp(path.join(tmp, 'work-'));

async function inputError(specs: string[]): Promise<string> {
  try {
    await readSeries(specs, tarball, await work());
  } catch (error) {
    expect(error).toBeInstanceOf(RunError);
    return (error as Error).message;
  }
  throw new Error('expected an input error');
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'kpci-intake-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('readSeries', () => {
  test('a directory of format-patch files: subjects, authors, sign-offs, files, in name order', async () => {
    const { series } = await readSeries([EXAMPLE_SERIES], tarball, await work());
    expect(series.patches.map((p) => [p.index, p.subject, p.files.map((f) => f.path)])).toEqual([
      [1, 'dm crypt: use kmap_local_page() instead of deprecated kmap_atomic()', ['drivers/md/dm-crypt.c']],
      [2, 'dm log writes: use kmap_local_page() instead of deprecated kmap_atomic()', ['drivers/md/dm-log-writes.c']],
    ]);
    expect(series.patches[0]!.rawSubject).toBe(
      '[PATCH 1/2] dm crypt: use kmap_local_page() instead of deprecated kmap_atomic()',
    );
    expect(series.patches[0]!.author).toBe('Kernel Patch CI Example');
    expect(series.patches[0]!.authorEmail).toBe('example@kernel-patch-ci.invalid');
    expect(series.patches[1]!.signedOffBy).toEqual(['Kernel Patch CI Example <example@kernel-patch-ci.invalid>']);
  });

  test('one mbox with a cover letter and two patches (b4 style "From git@z" separators)', async () => {
    const names = (await readdir(EXAMPLE_SERIES)).sort();
    const parts = await Promise.all(names.map((n) => readFile(path.join(EXAMPLE_SERIES, n), 'utf8')));
    const cover =
      'From git@z Thu Jan  1 00:00:00 1970\nFrom: A <a@b>\n' +
      'Subject: [PATCH 0/2] dm: kmap_local_page conversions\n\nTwo patches.\n\n';
    const mbox =
      cover +
      parts.map((p) => p.replace(/^From [0-9a-f]{40} .*\n/, 'From git@z Thu Jan  1 00:00:00 1970\n')).join('\n');
    const file = path.join(tmp, 'series.mbox');
    await writeFile(file, mbox);
    const { series } = await readSeries([file], tarball, await work());
    expect(series.coverLetter?.subject).toBe('dm: kmap_local_page conversions');
    expect(series.patches.map((p) => p.index)).toEqual([1, 2]);
    expect(series.patches[1]!.files[0]!.path).toBe('drivers/md/dm-log-writes.c');
  });

  test('a message saved from a mail client without the mbox From line', async () => {
    const text = (
      await readFile(path.join(EXAMPLE_SERIES, (await readdir(EXAMPLE_SERIES)).sort()[0]!), 'utf8')
    ).replace(/^From [0-9a-f]{40} .*\n/, '');
    const file = path.join(tmp, 'saved.eml');
    await writeFile(file, text);
    const { series } = await readSeries([file], tarball, await work());
    expect(series.patches[0]!.subject).toMatch(/^dm crypt:/);
  });

  test(
    'nonexistent path, empty file, empty directory, random bytes, ' + 'bare diff, binary patch: one line each',
    async () => {
      expect(await inputError([path.join(tmp, 'nope.patch')])).toBe(
        `series ${path.join(tmp, 'nope.patch')} does not exist`,
      );
      const empty = path.join(tmp, 'empty.patch');
      await writeFile(empty, '');
      expect(await inputError([empty])).toBe(`${empty} is empty`);
      const dir = path.join(tmp, 'empty-dir');
      await mkdir(dir);
      expect(await inputError([dir])).toMatch(/contains no \.patch, \.diff or \.mbox files$/);
      const random = path.join(tmp, 'random.patch');
      await writeFile(random, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)));
      expect(await inputError([random])).toBe(`${random} is not a patch (binary data)`);
      const bare = path.join(tmp, 'bare.diff');
      await writeFile(bare, 'diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1,2 @@\n a\n+b\n');
      expect(await inputError([bare])).toMatch(
        /is a bare diff without mail headers: create the series with git format-patch$/,
      );
      const binary = path.join(tmp, 'binary.patch');
      await writeFile(
        binary,
        'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\nFrom: A <a@b>\nSubject: [PATCH] ' +
          'add logo\n\nSigned-off-by: A <a@b>\n---\ndiff --git a/logo.png b/logo.png\nnew file mode 100644\n' +
          'index 0000000..1111111\nGIT binary patch\nliteral 4\nLcmZ?wbhEHbF7|Hi\n\nliteral 0\nHcmV?d00001\n\n',
      );
      expect(await inputError([binary])).toBe(
        'patch 1 (add logo) has a binary diff for logo.png: kernel patches must be text that can be mailed',
      );
    },
  );

  test('a mail with no diff is not a patch', async () => {
    const file = path.join(tmp, 'nodiff.patch');
    await writeFile(file, 'From: A <a@b>\nSubject: [PATCH] hello\n\nJust words.\n');
    expect(await inputError([file])).toBe('message 1 ([PATCH] hello) contains no diff: not a patch');
  });

  test('paths with shell metacharacters are only paths', async () => {
    const dir = path.join(tmp, 'a dir; touch pwned $(touch pwned2) `id`');
    await mkdir(dir);
    for (const n of await readdir(EXAMPLE_SERIES)) await copyFile(path.join(EXAMPLE_SERIES, n), path.join(dir, n));
    const cwd = process.cwd();
    process.chdir(tmp);
    try {
      const { series } = await readSeries([dir], tarball, await work());
      expect(series.patches).toHaveLength(2);
    } finally {
      process.chdir(cwd);
    }
    expect((await readdir(tmp)).filter((n) => n.startsWith('pwned'))).toEqual([]);
  });

  test('a commit range needs a local git tree', async () => {
    expect(await inputError(['v6.0..HEAD'])).toBe(
      'series v6.0..HEAD is a commit range, which needs --tree to be a local git checkout',
    );
  });
});
