// The whole run on the real 6.1 and 6.12 trees with the real git, checkpatch.pl and sparse.
import { afterAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EXAMPLE_SERIES, FIXTURES, MD_EXAMPLE_SERIES } from './helpers/fixtures.js';
import { KERNEL_TARBALL, newOutDir, removeOutDirs, runCli, stage } from './helpers/kernel.js';
import type { StageResult } from '../src/results/model.js';
import { EXHAUSTIVE, tree } from './helpers/trees.js';

const series = (name: string) => path.join(FIXTURES, 'series', name);
const TEN_MINUTES = 600_000;
/** Each sparse config's use of the base cache, which the test cache may or may not hold yet. */
const baseNote = (config: string) =>
  `; ${config}: base (from cache|computed \\(no entry for this key, now cached\\)), key sparse-[0-9a-f]{12}`;
const BASE_NOTES = `${baseNote('x86_64-defconfig')}${baseNote('i386-highmem-defconfig')}$`;

afterAll(removeOutDirs, TEN_MINUTES);
let sparseNewWarning: StageResult | undefined;

describe('the example series (dm kmap_local_page conversion) on linux-source-6.1', () => {
  test(
    'passes every stage with zero findings',
    async () => {
      const run = await runCli(['--tree', KERNEL_TARBALL, '--series', EXAMPLE_SERIES, '--stages', 'checkpatch,sparse']);
      expect(run.code).toBe(0);
      expect(run.results).toMatchObject({
        schemaVersion: 1,
        verdict: 'pass',
        tree: { source: KERNEL_TARBALL, baseCommit: expect.stringMatching(/^[0-9a-f]{40}$/) },
        series: [
          { index: 1, subject: expect.stringMatching(/^dm crypt: /), files: ['drivers/md/dm-crypt.c'] },
          { index: 2, subject: expect.stringMatching(/^dm log writes: /), files: ['drivers/md/dm-log-writes.c'] },
        ],
      });
      expect(run.results.stages.map((s) => [s.name, s.status])).toEqual([
        ['apply', 'pass'],
        ['checkpatch', 'pass'],
        ['sparse', 'pass'],
      ]);
      expect(run.results.stages.flatMap((s) => s.findings)).toEqual([]);
      expect(stage(run, 'sparse')!.summary).toMatch(
        new RegExp(
          '^2 files checked \\(2 in x86_64-defconfig, 2 in i386-highmem-defconfig\\): 0 new, 0 fixed, 0 pre-existing' +
            BASE_NOTES,
        ),
      );
      expect(run.report.split('\n')[0]).toBe('## kernel-patch-ci: ✅ PASS');
      // progress: a start and an end line with elapsed time for each stage
      for (const name of ['apply', 'checkpatch', 'sparse']) {
        expect(run.stderr).toContainEqual(expect.stringMatching(new RegExp(`\\] ${name}: started$`)));
        expect(run.stderr).toContainEqual(expect.stringMatching(new RegExp(`\\] ${name}: pass in \\d+\\.\\ds — `)));
      }
      expect(run.stdout[0]).toBe('verdict: pass');
    },
    TEN_MINUTES,
  );

  test(
    'a non-static function in dm-snap.c is a NEW sparse warning beside an unused variable; ' +
      'the base warnings that moved are not blamed',
    async () => {
      const run = await runCli([
        '--tree',
        KERNEL_TARBALL,
        '--series',
        series('sparse-new-warning'),
        '--stages',
        'sparse',
      ]);
      expect(run.code).toBe(1);
      expect(run.results.verdict).toBe('fail');
      const sparse = stage(run, 'sparse')!;
      expect(sparse.status).toBe('fail');
      expect(sparse.findings.filter((f) => f.new)).toEqual([
        {
          tool: 'sparse',
          severity: 'warning',
          type: 'SPARSE',
          new: true,
          patch: 1,
          config: 'x86_64-defconfig',
          file: 'drivers/md/dm-snap.c',
          line: 238,
          message: "symbol 'dm_snap_exception_cache_size' was not declared. Should it be static?",
        },
      ]);
      // the unused variable (an error under defconfig's CONFIG_WERROR) did not stop the check
      expect(sparse.findings.filter((f) => f.type === 'COMPILE_ERROR')).toEqual([]);
      // these two were at lines 644 and 650 in the base; the patch moved them by 8 lines (seen in both configs: once)
      expect(sparse.findings.filter((f) => f.new === false).map((f) => [f.line, f.message])).toEqual([
        [651, "context imbalance in 'dm_exception_table_lock' - wrong count at exit"],
        [657, "context imbalance in 'dm_exception_table_unlock' - unexpected unlock"],
      ]);
      expect(sparse.summary).toMatch(
        new RegExp(
          '^1 file checked \\(1 in x86_64-defconfig, 1 in i386-highmem-defconfig\\): 1 new, 0 fixed, 2 pre-existing' +
            BASE_NOTES,
        ),
      );
      expect(run.report).toContain(
        "drivers/md/dm-snap.c:238 (patch 1, x86_64-defconfig): symbol 'dm_snap_exception_cache_size' was not declared",
      );
      sparseNewWarning = sparse;
    },
    TEN_MINUTES,
  );

  test(
    'the same series again (a v2 on the same base): the base check from the base cache, ' +
      'only the patched side compiled and checked, the same findings',
    async () => {
      expect(sparseNewWarning).toBeDefined();
      // CI runs it again in the tree's out dir (the O= dir restored where it was); the exhaustive run in a new one,
      // whose checkout alone takes half a minute
      const started = Date.now();
      const run = await runCli(
        ['--tree', KERNEL_TARBALL, '--series', series('sparse-new-warning'), '--stages', 'sparse'],
        EXHAUSTIVE ? await newOutDir() : undefined,
      );
      const sparse = stage(run, 'sparse')!;
      const hit = (config: string) => `; ${config}: base from cache, key sparse-[0-9a-f]{12}`;
      expect(sparse.summary).toMatch(new RegExp(`${hit('x86_64-defconfig')}${hit('i386-highmem-defconfig')}$`));
      expect(sparse.findings).toEqual(sparseNewWarning!.findings);
      // the logs this run wrote (an earlier run's stay in a shared out dir): no base compile, no base check
      const logs = readdirSync(path.join(run.outDir, 'logs')).filter(
        (f) => f.startsWith('sparse-') && statSync(path.join(run.outDir, 'logs', f)).mtimeMs >= started,
      );
      expect(logs.sort()).toEqual(['sparse-i386-highmem-defconfig-patched.log', 'sparse-x86_64-defconfig-patched.log']);
      // the restored O= dir was taken as built: of the kernel's objects only the series' file was compiled again
      // (objtool, a host tool its own make builds by absolute paths, is made again in a new out dir, from ccache)
      const compiled = readFileSync(path.join(run.outDir, 'logs', 'sparse-x86_64-defconfig-patched.log'), 'utf8')
        .split('\n')
        .filter((l) => /^\s+CC\s/.test(l))
        .map((l) => l.trim().split(/\s+/)[1]!)
        .filter((o) => !path.isAbsolute(o));
      expect(compiled).toEqual(['drivers/md/dm-snap.o']);
    },
    TEN_MINUTES,
  );
});

describe('series that fail', () => {
  test(
    'patch 2 of 3 does not apply: the patch, file and hunk are named, later stages skip, the tree is left clean',
    async () => {
      const run = await runCli([
        '--tree',
        KERNEL_TARBALL,
        '--series',
        series('patch2-does-not-apply'),
        '--stages',
        'checkpatch,sparse',
      ]);
      expect(run.code).toBe(1);
      const apply = stage(run, 'apply')!;
      expect(apply.status).toBe('fail');
      expect(apply.findings).toEqual([
        {
          tool: 'git',
          severity: 'error',
          type: 'APPLY_FAILED',
          patch: 2,
          new: true,
          file: 'drivers/md/dm-delay.c',
          line: 17,
          message:
            'patch 2/3 "dm delay: add a blank line after the message prefix" does not apply: ' +
            'hunk #1 @@ -17,6 +17,7 @@ (expecting "#define DM_MSG_PREFIX "delayed"") of drivers/md/dm-delay.c failed',
        },
      ]);
      expect(run.results.reason).toBe(
        'apply: patch 2/3 "dm delay: add a blank line after the message prefix" ' +
          'does not apply to drivers/md/dm-delay.c',
      );
      expect(run.results.stages.slice(1).map((s) => [s.name, s.status, s.summary])).toEqual([
        ['checkpatch', 'skip', 'skipped: apply did not pass'],
        ['sparse', 'skip', 'skipped: apply did not pass'],
      ]);
      const tree = path.join(run.outDir, 'work', 'linux');
      // nothing but our own build dirs (sparse's, the cells'), which kbuild's .gitignore keeps out of git's way
      const status = execFileSync('git', ['status', '--porcelain', '--ignored'], { cwd: tree, encoding: 'utf8' });
      expect(status.split('\n').filter((l) => l && !/^!! kpci-build-[\w-]+\/$/.test(l))).toEqual([]);
      expect(execFileSync('git', ['log', '--format=%s', '-1'], { cwd: tree, encoding: 'utf8' }).trim()).toBe(
        'dm crypt: add a blank line after the message prefix',
      );
    },
    TEN_MINUTES,
  );

  test(
    'checkpatch findings carry severity, type, file, line in the patched file, and patch index',
    async () => {
      const run = await runCli([
        '--tree',
        KERNEL_TARBALL,
        '--series',
        series('checkpatch-problems'),
        '--stages',
        'checkpatch',
      ]);
      expect(run.code).toBe(1);
      expect(run.results.stages.map((s) => s.name)).toEqual(['apply', 'checkpatch']);
      expect(stage(run, 'checkpatch')!.findings.map((f) => [f.severity, f.type, f.file, f.line, f.patch])).toEqual([
        ['error', 'TRAILING_WHITESPACE', 'drivers/md/dm-crypt.c', 560, 1],
        ['warning', 'DEPRECATED_API', 'drivers/md/dm-crypt.c', 560, 1],
        ['warning', 'DEPRECATED_API', 'drivers/md/dm-crypt.c', 565, 1],
        ['error', 'MISSING_SIGN_OFF', undefined, undefined, 1],
      ]);
      const line560 = execFileSync(
        'sed',
        ['-n', '560p', path.join(run.outDir, 'work', 'linux', 'drivers/md/dm-crypt.c')],
        { encoding: 'utf8' },
      );
      expect(line560).toBe('\tdst = kmap_atomic(sg_page(sg)); \n');
    },
    TEN_MINUTES,
  );

  test(
    'a finding on patch 1 points at its line in the final tree when patch 2 moves it',
    async () => {
      const run = await runCli([
        '--tree',
        KERNEL_TARBALL,
        '--series',
        series('checkpatch-line-moved'),
        '--stages',
        'checkpatch',
      ]);
      const whitespace = stage(run, 'checkpatch')!.findings.filter((f) => f.type === 'TRAILING_WHITESPACE');
      expect(whitespace.map((f) => [f.patch, f.file, f.line])).toEqual([[1, 'drivers/md/dm-crypt.c', 563]]);
      const final = execFileSync(
        'sed',
        ['-n', '563p', path.join(run.outDir, 'work', 'linux', 'drivers/md/dm-crypt.c')],
        { encoding: 'utf8' },
      );
      expect(final).toBe('\tdst = kmap_atomic(sg_page(sg)); \n');
    },
    TEN_MINUTES,
  );

  test(
    '--checkpatch-ignore and --fail-on error change the verdict the way a maintainer would',
    async () => {
      const ignored = await runCli([
        '--tree',
        KERNEL_TARBALL,
        '--series',
        series('checkpatch-problems'),
        '--stages',
        'checkpatch',
        '--checkpatch-ignore',
        'TRAILING_WHITESPACE,MISSING_SIGN_OFF',
        '--fail-on',
        'error',
      ]);
      expect(ignored.code).toBe(0);
      expect(stage(ignored, 'checkpatch')!.status).toBe('warn');
      expect(stage(ignored, 'checkpatch')!.findings.map((f) => f.type)).toEqual(['DEPRECATED_API', 'DEPRECATED_API']);
    },
    TEN_MINUTES,
  );

  test(
    'a patch for another project: exit 2, the reason names the missing files',
    async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'kpci-other-'));
      const patch = path.join(dir, '0001-fix.patch');
      await writeFile(
        patch,
        [
          'From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001',
          'From: A U Thor <author@example.invalid>',
          'Subject: [PATCH] main: fix typo',
          '',
          'Signed-off-by: A U Thor <author@example.invalid>',
          '---',
          'diff --git a/src/main.c b/src/main.c',
          'index 1111111..2222222 100644',
          '--- a/src/main.c',
          '+++ b/src/main.c',
          '@@ -1,3 +1,3 @@',
          ' int main(void)',
          '-{ retrun 0; }',
          '+{ return 0; }',
          ' ',
          '',
        ].join('\n'),
      );
      const run = await runCli(['--tree', KERNEL_TARBALL, '--series', patch, '--stages', 'checkpatch']);
      expect(run.code).toBe(2);
      expect(run.results.verdict).toBe('error');
      expect(run.results.reason).toBe(
        'apply: patch 1/1 "main: fix typo" is not for this tree: src/main.c does not exist in it',
      );
      expect(run.stderr.at(-1)).toBe(`kernel-patch-ci: ${run.results.reason}`);
    },
    TEN_MINUTES,
  );
});

describe('linux-source-6.12: the md example series (md-bitmap and raid5-cache kmap_local_page conversions)', () => {
  const TREE_612 = tree('6.12').tarball;
  test(
    'passes apply, checkpatch and sparse with zero findings',
    async () => {
      const run = await runCli(['--tree', TREE_612, '--series', MD_EXAMPLE_SERIES, '--stages', 'checkpatch,sparse']);
      expect(run.results.series.map((p) => [p.subject, p.files])).toEqual([
        ['md/md-bitmap: use kmap_local_page() instead of deprecated kmap_atomic()', ['drivers/md/md-bitmap.c']],
        ['md/raid5-cache: use kmap_local_page() instead of deprecated kmap_atomic()', ['drivers/md/raid5-cache.c']],
      ]);
      expect(run.results.stages.map((s) => [s.name, s.status])).toEqual([
        ['apply', 'pass'],
        ['checkpatch', 'pass'],
        ['sparse', 'pass'],
      ]);
      expect(run.results.stages.flatMap((s) => s.findings).filter((f) => f.new !== false)).toEqual([]);
      expect(stage(run, 'sparse')!.summary).toMatch(
        new RegExp(
          '^2 files checked \\(2 in x86_64-defconfig, 2 in i386-highmem-defconfig\\): ' +
            `0 new, 0 fixed, \\d+ pre-existing${BASE_NOTES}`,
        ),
      );
      expect(run.code).toBe(0);
    },
    TEN_MINUTES,
  );
});

describe("checkpatch's deprecated-API list differs between the trees", () => {
  // 6.1 lists kmap and kmap_atomic; 6.12 also kunmap and kunmap_atomic
  test.each([
    ['6.1', ['kmap_atomic']],
    ['6.12', ['kmap_atomic', 'kunmap_atomic']],
  ])(
    'on %s a new kmap_atomic()/kunmap_atomic() pair warns about %j',
    async (version, apis) => {
      const run = await runCli([
        '--tree',
        tree(version).tarball,
        '--series',
        series('checkpatch-kunmap-atomic'),
        '--stages',
        'checkpatch',
      ]);
      const deprecated = stage(run, 'checkpatch')!.findings.filter((f) => f.type === 'DEPRECATED_API');
      expect(deprecated.map((f) => /'(\w+)'/.exec(f.message)![1])).toEqual(apis);
      expect(deprecated.every((f) => f.file === 'drivers/md/dm-zero.c' && f.new)).toBe(true);
    },
    TEN_MINUTES,
  );
});
