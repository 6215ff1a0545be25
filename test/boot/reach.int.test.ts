// learnReach on real counters: a C file built with gcc's gcov instrumentation the way kbuild builds a profiled object
// (notes next to the object in an O=-style dir), run as two "scenarios" that enter different functions.
import { afterAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { learnReach, listGcno } from '../../src/boot/reach.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'kpci-reach-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const SOURCE = `#include <string.h>
static int set_bit(int n) { return n | 1; }
static int clear_bit(int n) { return n & ~1; }
int never_called(int n) { return n * 3; }
int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "set") == 0) return set_bit(argc) == 0;
  return clear_bit(argc) == 42;
}
`;

describe('the scenario map from real gcov counters', () => {
  test('each scenario is credited with the functions it entered; a function none entered maps to []', async () => {
    const build = path.join(scratch, 'kpci-build-cell');
    const src = path.join(build, 'drivers', 'md');
    mkdirSync(src, { recursive: true });
    writeFileSync(path.join(src, 'md-bitmap.c'), SOURCE);
    execFileSync(
      'gcc',
      ['-O0', '-fprofile-arcs', '-ftest-coverage', '-c', 'drivers/md/md-bitmap.c', '-o', 'drivers/md/md-bitmap.o'],
      { cwd: build },
    );
    execFileSync('gcc', ['--coverage', 'drivers/md/md-bitmap.o', '-o', 'prog'], { cwd: build });
    // the base notes as the build stage keeps them: under base/gcno at the object's O= path
    const gcnoDir = path.join(scratch, 'base-gcno');
    mkdirSync(path.join(gcnoDir, 'drivers', 'md'), { recursive: true });
    cpSync(path.join(src, 'md-bitmap.gcno'), path.join(gcnoDir, 'drivers', 'md', 'md-bitmap.gcno'));
    expect(await listGcno(gcnoDir)).toEqual(['drivers/md/md-bitmap.c']);

    // each scenario's counters where the guest leaves them: gcov-by/NAME/<the build dir's absolute path>/…
    const results = path.join(scratch, 'results');
    for (const [scenario, arg] of [
      ['md-raid1-bitmap', 'set'],
      ['lvm-linear', 'clear'],
    ]) {
      execFileSync(path.join(build, 'prog'), [arg!], { cwd: build, stdio: 'ignore' });
      const to = path.join(results, 'gcov-by', scenario!, build.replace(/^\/+/, ''), 'drivers', 'md');
      mkdirSync(to, { recursive: true });
      renameSync(path.join(src, 'md-bitmap.gcda'), path.join(to, 'md-bitmap.gcda'));
    }
    const learned = await learnReach(
      results,
      gcnoDir,
      ['drivers/md/md-bitmap.c'],
      [
        'md-raid1-bitmap',
        'lvm-linear',
        'md-raid10', // ran, but entered nothing of the file: no counters dumped for it
      ],
    );
    expect(learned.scenarios).toEqual(['md-raid1-bitmap', 'lvm-linear', 'md-raid10']);
    expect(learned.reach).toEqual({
      'drivers/md/md-bitmap.c:set_bit': ['md-raid1-bitmap'],
      'drivers/md/md-bitmap.c:clear_bit': ['lvm-linear'],
      'drivers/md/md-bitmap.c:main': ['md-raid1-bitmap', 'lvm-linear'],
      'drivers/md/md-bitmap.c:never_called': [],
    });
  });
});
