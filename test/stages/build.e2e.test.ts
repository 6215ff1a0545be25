// Real kernel builds of the real trees: how the build stage fails. (A clean build of each tree's example series is
// checked by the boot tests, which build what they boot.) Each tree has one out dir for every e2e test
// (test/helpers/trees.ts), so a series only rebuilds what it touches. KPCI_EXHAUSTIVE=1 runs the 6.1 failures too.
import { afterAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FIXTURES, REPO } from '../helpers/fixtures.js';
import { newOutDir, removeOutDirs, runCli, stage } from '../helpers/kernel.js';
import { e2eOutDir, EXHAUSTIVE, tree } from '../helpers/trees.js';

const HOUR = 3_600_000;
const series = (name: string) => path.join(FIXTURES, 'series', name);
const CELLS = EXHAUSTIVE ? ['x86_64-dm', 'i386-highmem'] : ['i386-highmem'];
const build = async (version: string, ...args: string[]) =>
  runCli(
    ['--tree', tree(version).tarball, '--stages', 'build', '--configs', CELLS.join(','), ...args],
    await e2eOutDir(tree(version)),
  );
const onlyExhaustive = EXHAUSTIVE ? test : test.skip;

afterAll(removeOutDirs, HOUR);

describe('build failures', () => {
  onlyExhaustive(
    'an unused variable is a NEW gcc warning in both cells, at its file and line',
    async () => {
      const run = await build('6.1', '--series', series('build-unused-variable'));
      expect(run.code).toBe(1);
      const fresh = stage(run, 'build')!.findings.filter((f) => f.new === true);
      expect(fresh.map((f) => [f.config, f.tool, f.severity, f.file, f.line, f.patch])).toEqual([
        ['x86_64-dm', 'gcc', 'warning', 'drivers/md/dm-log-writes.c', 652, 1],
        ['i386-highmem', 'gcc', 'warning', 'drivers/md/dm-log-writes.c', 652, 1],
      ]);
      expect(fresh[0]!.message).toMatch(/unused variable .segments. \[-Wunused-variable\]/);
    },
    HOUR,
  );

  onlyExhaustive(
    'a changed file no fragment builds is built for the series: its symbol and the dependency Kconfig needs are added',
    async () => {
      const run = await runCli(
        [
          '--tree',
          tree('6.1').tarball,
          '--stages',
          'build',
          '--series',
          series('build-not-compiled'),
          '--configs',
          'x86_64-dm',
        ],
        await e2eOutDir(tree('6.1')),
      );
      const b = stage(run, 'build')!;
      expect(b.cells!.map((c) => [c.config, c.status])).toEqual([['x86_64-dm', 'pass']]);
      // DM_ZONED depends on BLK_DEV_ZONED, which the fragment leaves off
      expect(b.findings.filter((f) => f.type === 'CONFIG_FOR_SERIES').map((f) => f.message)).toEqual([
        'added for the series: CONFIG_DM_ZONED, CONFIG_BLK_DEV_ZONED',
      ]);
      expect(b.findings.filter((f) => f.new === true)).toEqual([]);
      expect(b.cells![0]!.summary).toMatch(
        new RegExp(
          '1/1 changed objects rebuilt, 0/0 changed lines compiled; added for the series: ' +
            'CONFIG_DM_ZONED, CONFIG_BLK_DEV_ZONED',
        ),
      );
      expect(run.code).toBe(0);
    },
    HOUR,
  );

  onlyExhaustive(
    'u64 / u32 in a dm target fails only the i386 cell, naming the missing libgcc helper',
    async () => {
      const run = await build('6.1', '--series', series('build-u64-division'));
      expect(run.code).toBe(1);
      const b = stage(run, 'build')!;
      expect(b.cells!.map((c) => [c.config, c.status])).toEqual([
        ['x86_64-dm', 'pass'],
        ['i386-highmem', 'fail'],
      ]);
      expect(b.cells![1]!.summary).toMatch(/__udivdi3/);
      const link = b.findings.filter((f) => f.new === true && f.severity === 'error');
      // touched objects are built with -g, so ld names the source line: the one the patch adds
      expect(link).toEqual([
        expect.objectContaining({
          config: 'i386-highmem',
          tool: 'kbuild',
          type: 'LINK_ERROR',
          file: 'drivers/md/dm-delay.c',
          line: 237,
          message: expect.stringContaining("undefined reference to `__udivdi3'"),
        }),
      ]);
      expect(b.cells![0]!.reproduce).toBeUndefined(); // a passing cell needs none
      expect(b.cells![1]!.reproduce!.some((l) => / ARCH=i386 .*bzImage/.test(l))).toBe(true);
    },
    HOUR,
  );

  onlyExhaustive(
    'a fragment asking for a symbol whose dependency is off, or that does not exist, is reported as dropped',
    async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'kpci-frag-'));
      const fragment = path.join(dir, 'x86_64-dm-zoned.config');
      const base = await readFile(path.join(REPO, 'configs', 'x86_64-dm.config'), 'utf8');
      await writeFile(
        fragment,
        `${base}\n# asked for on purpose: dm-zoned needs BLK_DEV_ZONED, which is off\n` +
          `CONFIG_DM_ZONED=y\nCONFIG_KPCI_NO_SUCH_SYMBOL=y\n`,
      );
      const run = await runCli(
        [
          '--tree',
          tree('6.1').tarball,
          '--stages',
          'build',
          '--series',
          path.join(REPO, 'examples', 'dm-kmap-local'),
          '--configs',
          fragment,
        ],
        await e2eOutDir(tree('6.1')),
      );
      const dropped = stage(run, 'build')!.findings.filter((f) => f.type === 'CONFIG_DROPPED');
      expect(dropped.map((f) => f.message)).toEqual([
        'CONFIG_DM_ZONED=y asked by x86_64-dm-zoned.config is off after olddefconfig (a dependency ' +
          'is missing or it is selected otherwise)',
        'CONFIG_KPCI_NO_SUCH_SYMBOL=y asked by x86_64-dm-zoned.config does not exist in this tree',
      ]);
      expect(run.code).toBe(0); // the user's fragment's problem, not the series': reported, not blamed
    },
    HOUR,
  );

  test(
    'no compiler for the arch: the cell is an error with the package to install, exit 2',
    async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'kpci-frag-'));
      const fragment = path.join(dir, 's390-dm.config');
      await writeFile(fragment, '# arch: s390\nCONFIG_DM_CRYPT=y\n');
      const run = await runCli(
        [
          '--tree',
          tree('6.12').tarball,
          '--stages',
          'build',
          '--series',
          path.join(REPO, 'examples', 'md-kmap-local'),
          '--configs',
          fragment,
        ],
        await e2eOutDir(tree('6.12')),
      );
      expect(run.code).toBe(2);
      expect(stage(run, 'build')!.cells).toEqual([
        expect.objectContaining({
          config: 's390-dm',
          status: 'error',
          summary: expect.stringContaining('gcc-s390x-linux-gnu'),
        }),
      ]);
    },
    HOUR,
  );

  test(
    'a build killed by the step timeout is an error, and no make or compiler is left behind',
    async () => {
      const out = await newOutDir(); // not the shared one: a killed compiler can leave a half-written object
      const run = await runCli(
        [
          '--tree',
          tree('6.12').tarball,
          '--stages',
          'build',
          '--series',
          path.join(REPO, 'examples', 'md-kmap-local'),
          '--configs',
          'x86_64-dm',
          '--step-timeout',
          '2',
        ],
        out,
      );
      expect(run.code).toBe(2);
      expect(stage(run, 'build')!.cells![0]!.summary).toMatch(/killed after the 2s step timeout/);
      // the failing cell says how to run its makes again, verbatim, and where its .config is
      const reproduce = stage(run, 'build')!.cells![0]!.reproduce!;
      expect(reproduce[0]).toBe(
        `# x86_64-dm (ARCH=x86_64), the .config as built: ${path.join(out, 'artifacts', 'x86_64-dm', 'config')}`,
      );
      expect(reproduce.filter((l) => !l.startsWith('#'))).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^KBUILD_BUILD_TIMESTAMP=1970-01-01 .* make -C ${out}/work/linux -j\\d+ ` +
              `O=${out}/work/linux/kpci-build-x86_64-dm ARCH=x86_64 `,
          ),
        ),
      );
      expect(reproduce).toContainEqual(
        expect.stringMatching(/merge_config\.sh -m -O \S+ \S+\/\.config \S+\/x86_64-dm\.config /),
      );
      expect(run.report).toContain('<summary>Reproduce x86_64-dm locally</summary>');
      const left = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l.includes(out) && !l.startsWith('ps '));
      expect(left).toEqual([]);
      expect(existsSync(path.join(out, 'results.json'))).toBe(true);
    },
    HOUR,
  );
});
