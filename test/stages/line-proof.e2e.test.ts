// Every changed line compiled somewhere, on the real 6.12 tree: the cells turn on what builds a touched file
// (kernel/power/snapshot.c needs HIBERNATION, which no fragment asks for), the i386 HIGHMEM cell compiles what
// `#ifdef CONFIG_HIGHMEM` hides from x86_64, and a changed line no cell compiles is a finding naming its #if.
// The two snapshot series share one configuration, so the second only rebuilds snapshot.o.
import { afterAll, describe, expect, test } from '@jest/globals';
import path from 'node:path';
import { FIXTURES } from '../helpers/fixtures.js';
import { removeOutDirs, runCli, stage } from '../helpers/kernel.js';
import { e2eOutDir, EXHAUSTIVE, tree } from '../helpers/trees.js';

const HOUR = 3_600_000;
const series = (name: string) => path.join(FIXTURES, 'series', name);
const CELLS = EXHAUSTIVE ? ['x86_64-dm', 'i386-highmem'] : ['i386-highmem'];
// the snapshot series need HIBERNATION in the cell: a second cold 6.12 i386 build (about 13 min here), so CI runs
// only the #if 0 case and the exhaustive suite (scripts/test-exhaustive.sh) runs all three
const onlyExhaustive = EXHAUSTIVE ? test : test.skip;
const run612 = async (...args: string[]) =>
  runCli(['--tree', tree('6.12').tarball, '--configs', CELLS.join(','), ...args], await e2eOutDir(tree('6.12')));

afterAll(removeOutDirs, HOUR);

describe('proof of compile per changed line (6.12)', () => {
  onlyExhaustive(
    'kmap_page_local() typo under #ifdef CONFIG_HIGHMEM in snapshot.c: ' +
      'an implicit declaration error in the HIGHMEM cell and in sparse, at its line',
    async () => {
      const run = await run612('--stages', 'sparse,build', '--series', series('highmem-snapshot-typo'));
      expect(run.code).toBe(1);
      const b = stage(run, 'build')!;
      const i386 = b.cells!.find((c) => c.config === 'i386-highmem')!;
      expect(i386.status).toBe('fail');
      expect(i386.summary).toMatch(
        /^build failed: kernel\/power\/snapshot\.c:2900: implicit declaration of function .kmap_page_local./,
      );
      expect(b.findings.filter((f) => f.new === true && f.severity === 'error')).toEqual([
        expect.objectContaining({
          config: 'i386-highmem',
          tool: 'gcc',
          type: 'COMPILE_ERROR',
          file: 'kernel/power/snapshot.c',
          line: 2900,
          patch: 1,
          message: expect.stringMatching(/implicit declaration of function .kmap_page_local./),
        }),
      ]);
      // HIBERNATION builds snapshot.o; tinyconfig has it off, and it needs SWAP
      expect(
        b.findings.filter((f) => f.type === 'CONFIG_FOR_SERIES' && f.config === 'i386-highmem').map((f) => f.message),
      ).toEqual([expect.stringMatching(/^added for the series: .*CONFIG_HIBERNATION/)]);
      // swap_two_pages_data() is not there
      if (EXHAUSTIVE) expect(b.cells!.find((c) => c.config === 'x86_64-dm')!.status).toBe('pass');
      // sparse: x86_64 defconfig never compiles the line; the i386 HIGHMEM defconfig stops at it
      const s = stage(run, 'sparse')!;
      expect(s.status).toBe('fail');
      expect(s.findings.filter((f) => f.type === 'COMPILE_ERROR')).toEqual([
        expect.objectContaining({
          config: 'i386-highmem-defconfig',
          file: 'kernel/power/snapshot.c',
          line: 2900,
          new: true,
        }),
      ]);
    },
    HOUR,
  );

  onlyExhaustive(
    'the same conversion without the typo passes, every changed line compiled, HIBERNATION added for it',
    async () => {
      const run = await run612('--stages', 'sparse,build', '--series', series('highmem-snapshot'));
      const b = stage(run, 'build')!;
      expect(b.findings.filter((f) => f.new === true)).toEqual([]);
      expect(run.code).toBe(0);
      const i386 = b.cells!.find((c) => c.config === 'i386-highmem')!;
      expect(i386.summary).toMatch(
        /1\/1 changed objects rebuilt, 4\/4 changed lines compiled; added for the series: .*CONFIG_HIBERNATION/,
      );
      expect(b.summary).toMatch(/; 4\/4 changed lines compiled in at least one$/);
      if (EXHAUSTIVE)
        expect(b.cells!.find((c) => c.config === 'x86_64-dm')!.summary).toMatch(/0\/4 changed lines compiled/);
      expect(stage(run, 'sparse')!.summary).toMatch(
        new RegExp(
          '^1 file checked \\(1 in x86_64-defconfig, 1 in i386-highmem-defconfig\\): ' +
            '0 new, 0 fixed, \\d+ pre-existing; x86_64-defconfig: base (from cache|computed)',
        ),
      );
    },
    HOUR,
  );

  test(
    'a change inside #if 0: a warning at its line naming the condition, the verdict fails',
    async () => {
      const run = await run612('--stages', 'build', '--series', series('build-if-0'));
      expect(run.code).toBe(1);
      const b = stage(run, 'build')!;
      expect(b.findings.filter((f) => f.new === true)).toEqual([
        {
          tool: 'kbuild',
          severity: 'warning',
          type: 'NOT_COMPILED_LINE',
          new: true,
          file: 'drivers/md/dm-kcopyd.c',
          line: 906,
          message:
            'changed line 906 not compiled by any config: ' +
            'inside `#if 0` (dm-kcopyd.c:902); no configuration compiles it',
        },
      ]);
      expect(b.summary).toMatch(/; 0\/1 changed lines compiled in at least one$/);
      expect(run.report).toContain('drivers/md/dm-kcopyd.c:906');
    },
    HOUR,
  );
});
