// The real binary (dist/cli.js) on bad input: exit 2, exactly one line on stderr, no stack trace, results.json written.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO } from '../helpers/fixtures.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'kpci-cli-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function cli(args: string[]) {
  const out = path.join(tmp, `out-${Math.random().toString(36).slice(2)}`);
  const run = spawnSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), ...args, '--out', out], {
    encoding: 'utf8',
    cwd: tmp,
    env: { ...process.env, KPCI_CACHE_DIR: path.join(tmp, 'cache') },
  });
  const resultsFile = path.join(out, 'results.json');
  const results = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : undefined;
  const errorLines = run.stderr.split('\n').filter((l) => l.startsWith('kernel-patch-ci:'));
  return { code: run.status, stderr: run.stderr, errorLines, results, report: existsSync(path.join(out, 'report.md')) };
}

function expectCleanError(r: ReturnType<typeof cli>, reason: RegExp | string) {
  expect(r.code).toBe(2);
  expect(r.errorLines).toHaveLength(1);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.results?.verdict).toBe('error');
  expect(r.results?.reason).toEqual(typeof reason === 'string' ? reason : expect.stringMatching(reason));
  expect(r.errorLines[0]).toBe(`kernel-patch-ci: ${r.results.reason}`);
  expect(r.report).toBe(true);
}

describe('kernel-patch-ci run on bad input', () => {
  const tree = '/usr/src/linux-source-6.1.tar.xz';

  test('a series path that does not exist', () => {
    expectCleanError(cli(['run', '--tree', tree, '--series', 'missing.patch']), `series ${path.join(tmp, 'missing.patch')} does not exist`);
  });

  test('an empty file, an empty directory, random bytes', async () => {
    await writeFile(path.join(tmp, 'empty.patch'), '');
    await mkdir(path.join(tmp, 'nothing'));
    await writeFile(path.join(tmp, 'noise.patch'), Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 131 + 7) % 256)));
    expectCleanError(cli(['run', '--tree', tree, '--series', 'empty.patch']), /empty\.patch is empty$/);
    expectCleanError(cli(['run', '--tree', tree, '--series', 'nothing']), /contains no \.patch, \.diff or \.mbox files$/);
    expectCleanError(cli(['run', '--tree', tree, '--series', 'noise.patch']), /noise\.patch is not a patch \(binary data\)$/);
  });

  test('a binary patch cannot be mailed to a kernel list', async () => {
    await writeFile(path.join(tmp, 'logo.patch'), [
      'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001', 'From: A <a@example.invalid>',
      'Subject: [PATCH] add logo', '', 'Signed-off-by: A <a@example.invalid>', '---',
      'diff --git a/Documentation/logo.gif b/Documentation/logo.gif', 'index 1111111..2222222 100644', 'GIT binary patch',
      'literal 4', 'LcmZ?wbhEHbF7|Hi', '', 'literal 4', 'LcmZ?wbhEHbF7|Hi', '', '',
    ].join('\n'));
    expectCleanError(cli(['run', '--tree', tree, '--series', 'logo.patch']), 'patch 1 (add logo) has a binary diff for Documentation/logo.gif: kernel patches must be text that can be mailed');
  });

  test('a tree that does not exist, or is not a kernel tree', () => {
    expectCleanError(cli(['run', '--tree', path.join(tmp, 'no-linux'), '--series', 'x.patch']), /^tree .*no-linux does not exist/);
    expectCleanError(cli(['run', '--tree', tmp, '--series', 'x.patch']), /is not a kernel source tree \(no top-level Makefile and Kconfig\)$/);
  });

  test('bad usage still leaves a results.json when --out is known', () => {
    expectCleanError(cli(['run', '--series', 'x.patch', '--stages', 'apply,nonsense']), /^unknown stage "nonsense"/);
    expectCleanError(cli(['run', '--series', 'x.patch', '--bogus']), /^Unknown option '--bogus'/);
  });

  test('an unknown command prints usage and exits 2; --version prints the version', () => {
    const bad = spawnSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), 'frobnicate'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.split('\n')[0]).toBe('kernel-patch-ci: unknown command "frobnicate"');
    const version = spawnSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), '--version'], { encoding: 'utf8' });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
