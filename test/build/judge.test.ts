// The build judge's rules on diagnostics parsed from captured real logs (test/fixtures/sparse: sparse prints in gcc's
// format; test/fixtures/build: an i386 build of the u64-division series), each rule firing and not firing.
import { describe, expect, test } from '@jest/globals';
import { fixture } from '../helpers/fixtures.js';
import { parseDiagnostics, type Diagnostic } from '../../src/tools/gcc-diagnostics.js';
import { fingerprint } from '../../src/findings/fingerprint.js';
import type { Located } from '../../src/findings/locate.js';
import { judgeBuildCell, rebuiltAfterChange, type BuildRecord } from '../../src/build/judge.js';
import type { Patch } from '../../src/series/intake.js';
import { buildDiagnostics, onePerLine } from '../../src/build/runner.js';

const TREE = '/tmp/o2/work/linux';
const SNAP = 'drivers/md/dm-snap.c';
const CHANGED_AT = 1_000_000;

/** Located as locate() would give them, with the enclosing function named by the test (no tree needed). */
const located = (diags: Diagnostic[], enclosing: (d: Diagnostic) => string | undefined = () => undefined): Located[] =>
  diags.map((d) => ({ ...d, key: fingerprint(d, enclosing(d)) }));
const sparseLog = (name: string) =>
  located(parseDiagnostics(fixture('sparse', name), TREE, '/tmp/o2/work/sparse-x86_64'));

const patch = (index: number, ...paths: string[]) =>
  ({ index, files: paths.map((path) => ({ path, status: 'modified', hunks: [] })) }) as unknown as Patch;

function record(extra: Partial<BuildRecord> = {}): BuildRecord {
  return {
    cell: 'x86_64-dm',
    fragment: 'x86_64-dm.config',
    dropped: [],
    additions: { added: [], refused: [] },
    objects: [SNAP.replace(/\.c$/, '.o')],
    base: [],
    patched: [],
    bisect: [],
    patchedImage: { ok: true, timedOut: false },
    changedAt: CHANGED_AT,
    objectMtimes: { 'drivers/md/dm-snap.o': CHANGED_AT + 5000 },
    lines: new Map([[SNAP, { built: true, marked: [238, 240], kept: [238, 240] }]]),
    ...extra,
  };
}

describe('judgeBuildCell', () => {
  test('a warning the series added is new and blamed on its patch; the two that only moved are pre-existing', () => {
    const judged = judgeBuildCell(
      record({ base: sparseLog('dm-snap-base.log'), patched: sparseLog('dm-snap-patched.log') }),
      [patch(1, SNAP)],
      'new-warning',
    );
    expect(judged.findings.map((f) => [f.type, f.new, f.line])).toEqual([
      ['COMPILER_WARNING', true, 238],
      ['COMPILER_WARNING', false, 649],
      ['COMPILER_WARNING', false, 655],
    ]);
    expect(judged.findings[0]).toMatchObject({
      tool: 'gcc',
      severity: 'warning',
      file: SNAP,
      patch: 1,
      config: 'x86_64-dm',
    });
    expect(judged.status).toBe('fail');
    expect(judged.summary).toBe(
      '1 new, 0 fixed, 2 pre-existing warnings; 1/1 changed objects rebuilt, 2/2 changed lines compiled',
    );
    expect(
      judgeBuildCell(
        record({ base: sparseLog('dm-snap-base.log'), patched: sparseLog('dm-snap-patched.log') }),
        [patch(1, SNAP)],
        'error',
      ).status,
    ).toBe('warn');
  });

  test(
    'a base warning gone from the patched build is fixed only in a file the ' +
      'series changed (others were not rebuilt)',
    () => {
      const base = sparseLog('dm-snap-base.log');
      const fixedHere = judgeBuildCell(record({ base, patched: [] }), [patch(1, SNAP)], 'new-warning');
      expect(fixedHere.findings.map((f) => f.type)).toEqual(['WARNING_FIXED', 'WARNING_FIXED']);
      expect(fixedHere.findings[0]!.message).toBe(
        "fixed: context imbalance in 'dm_exception_table_lock' - wrong count at exit",
      );
      expect(fixedHere.status).toBe('pass');
      expect(
        judgeBuildCell(record({ base, patched: [] }), [patch(1, 'drivers/md/dm-crypt.c')], 'new-warning').findings,
      ).toEqual([]);
    },
  );

  test('a second copy of a pre-existing warning in the same function is new', () => {
    const base = sparseLog('dm-snap-base.log').slice(0, 1);
    const patched = [...base, { ...base[0]!, line: 700 }];
    const judged = judgeBuildCell(record({ base, patched }), [patch(1, SNAP)], 'new-warning');
    expect(judged.findings.map((f) => [f.new, f.line])).toEqual([
      [true, 700],
      [false, 644],
    ]);
  });

  test('the proof of compile: only objects rebuilt after the change began count (a second of slack)', () => {
    const objects = ['drivers/md/dm-snap.o', 'drivers/md/dm-crypt.o', 'drivers/md/dm-delay.o'];
    const objectMtimes = { 'drivers/md/dm-snap.o': CHANGED_AT - 500, 'drivers/md/dm-crypt.o': CHANGED_AT - 60_000 };
    expect(rebuiltAfterChange({ objects, objectMtimes, changedAt: CHANGED_AT })).toEqual(['drivers/md/dm-snap.c']);
    const judged = judgeBuildCell(record({ objects, objectMtimes }), [patch(1, SNAP)], 'new-warning');
    expect(judged.compiled).toEqual(['drivers/md/dm-snap.c']);
    expect(judged.summary).toMatch(/; 1\/3 changed objects rebuilt,/);
  });

  test('a changed file this cell does not build gets the Kconfig reason of the symbol the series asked for', () => {
    const lines = new Map([
      [SNAP, { built: false as const, marked: [238], why: 'its object is not built in this config' }],
    ]);
    const additions = {
      added: ['DM_CRYPT'],
      refused: [{ symbol: 'DM_SNAPSHOT', files: [SNAP], reason: 'it needs BLK_DEV_DM (drivers/md/Kconfig:213)' }],
    };
    const judged = judgeBuildCell(record({ lines, additions }), [patch(1, SNAP)], 'new-warning');
    expect(judged.lines.get(SNAP)).toEqual({
      built: false,
      marked: [238],
      why: 'CONFIG_DM_SNAPSHOT stays off: it needs BLK_DEV_DM (drivers/md/Kconfig:213)',
    });
    expect(judged.findings).toEqual([
      expect.objectContaining({
        type: 'CONFIG_FOR_SERIES',
        severity: 'info',
        message: 'added for the series: CONFIG_DM_CRYPT',
      }),
      expect.objectContaining({
        type: 'CONFIG_NOT_ENABLED',
        severity: 'info',
        message: `CONFIG_DM_SNAPSHOT (for ${SNAP}) stays off: it needs BLK_DEV_DM (drivers/md/Kconfig:213)`,
      }),
    ]);
    expect(judged.summary).toMatch(/0\/1 changed lines compiled; added for the series: CONFIG_DM_CRYPT$/);
  });

  test('a fragment symbol Kconfig dropped is a warning the reviewer sees, not blamed on the series', () => {
    const dropped = [
      { symbol: 'HIGHMEM4G', wanted: 'y', got: 'n', defined: true },
      { symbol: 'DM_KMAP_TEST', wanted: 'y', got: 'n', defined: false },
    ];
    const judged = judgeBuildCell(record({ dropped }), [patch(1, SNAP)], 'new-warning');
    expect(judged.findings.map((f) => [f.type, f.new, f.message])).toEqual([
      [
        'CONFIG_DROPPED',
        false,
        'CONFIG_HIGHMEM4G=y asked by x86_64-dm.config is off after olddefconfig (a dependency ' +
          'is missing or it is selected otherwise)',
      ],
      ['CONFIG_DROPPED', false, 'CONFIG_DM_KMAP_TEST=y asked by x86_64-dm.config does not exist in this tree'],
    ]);
    expect(judged.status).toBe('pass');
  });

  test('a cell stopped at configure or at the base build is an error of the cell, not of the series', () => {
    expect(
      judgeBuildCell(
        record({ stopped: { phase: 'configure', failure: 'Makefile:1: *** missing separator' } }),
        [],
        'new-warning',
      ),
    ).toMatchObject({
      status: 'error',
      summary: 'configuration failed: Makefile:1: *** missing separator',
      findings: [],
    });
    expect(
      judgeBuildCell(
        record({ stopped: { phase: 'base', failure: 'killed after the 3600s step timeout' } }),
        [],
        'new-warning',
      ),
    ).toMatchObject({ status: 'error', summary: 'the base tree does not build: killed after the 3600s step timeout' });
  });

  test('an intermediate tree that does not compile is BISECT_BUILD, blamed on its patch', () => {
    const judged = judgeBuildCell(
      record({ bisect: [{ patch: 1, failure: "drivers/md/dm-snap.c:240: error: 'x' undeclared" }] }),
      [patch(1, SNAP), patch(2, SNAP)],
      'new-warning',
    );
    expect(judged.findings).toEqual([
      expect.objectContaining({
        type: 'BISECT_BUILD',
        severity: 'error',
        patch: 1,
        new: true,
        message: "the tree after patch 1 does not build on its own: drivers/md/dm-snap.c:240: error: 'x' undeclared",
      }),
    ]);
    expect(judged.status).toBe('fail');
  });

  test(
    'the patched image fails: its first new error is the summary; without one, ' +
      'BUILD_FAILED; a timeout is an error',
    () => {
      const error: Located = {
        file: SNAP,
        line: 240,
        severity: 'error',
        message: "'x' undeclared (first use in this function)",
        key: 'k',
      };
      const withError = judgeBuildCell(
        record({ patched: [error], patchedImage: { ok: false, timedOut: false, failure: 'make[4]: *** Error 1' } }),
        [patch(1, SNAP)],
        'new-warning',
      );
      expect(withError.findings.map((f) => f.type)).toEqual(['COMPILE_ERROR']);
      expect(withError).toMatchObject({
        status: 'fail',
        summary: `build failed: ${SNAP}:240: 'x' undeclared (first use in this function)`,
      });
      const bare = judgeBuildCell(
        record({ patchedImage: { ok: false, timedOut: false, failure: 'make[4]: *** Error 1' } }),
        [patch(1, SNAP)],
        'new-warning',
      );
      expect(bare.findings).toEqual([
        expect.objectContaining({
          type: 'BUILD_FAILED',
          message: 'the patched tree does not build: make[4]: *** Error 1',
        }),
      ]);
      expect(bare.summary).toBe('build failed: make[4]: *** Error 1');
      const timedOut = judgeBuildCell(
        record({ patchedImage: { ok: false, timedOut: true, failure: 'killed after the 60s step timeout' } }),
        [patch(1, SNAP)],
        'new-warning',
      );
      expect(timedOut.status).toBe('error');
    },
  );
});

describe('judgeBuildCell on real i386 build logs (test/fixtures/build, linux-source-6.1)', () => {
  const cellLog = (series: string, kind: 'base' | 'patched', file: string) => {
    const root = `/tmp/kpci/cap/${series}/work`;
    const diags = buildDiagnostics(
      fixture('build', `${series.replace(/^build-/, '')}-i386-${kind}.log`),
      `${root}/linux`,
      `${root}/build/i386-highmem`,
      [file],
    );
    return onePerLine(located(diags, () => 'log_writes_map'));
  };
  const i386 = (extra: Partial<BuildRecord>) =>
    record({ cell: 'i386-highmem', fragment: 'i386-highmem.config', ...extra });

  test('an unused variable printed by both the W=1 and the image make is one new warning of the patch', () => {
    const file = 'drivers/md/dm-log-writes.c';
    const base = cellLog('build-unused-variable', 'base', file);
    const patched = cellLog('build-unused-variable', 'patched', file);
    expect(base).toEqual([]);
    expect(patched).toHaveLength(1);
    const judged = judgeBuildCell(i386({ base, patched, objects: [] }), [patch(1, file)], 'new-warning');
    expect(judged.findings).toEqual([
      {
        tool: 'gcc',
        severity: 'warning',
        type: 'COMPILER_WARNING',
        file,
        line: 652,
        patch: 1,
        new: true,
        config: 'i386-highmem',
        message: 'unused variable \u2018segments\u2019 [-Wunused-variable]',
      },
    ]);
    expect(judged.status).toBe('fail');
  });

  test('a 64-bit division that links only on x86_64: LINK_ERROR in the changed file, and the summary names it', () => {
    const file = 'drivers/md/dm-delay.c';
    const patched = cellLog('build-u64-division', 'patched', file);
    const judged = judgeBuildCell(
      i386({
        base: cellLog('build-u64-division', 'base', file),
        patched,
        patchedImage: { ok: false, timedOut: false, failure: 'make: *** [Makefile:250: __sub-make] Error 2' },
      }),
      [patch(1, file)],
      'new-warning',
    );
    expect(judged.findings).toEqual([
      expect.objectContaining({
        tool: 'kbuild',
        type: 'LINK_ERROR',
        severity: 'error',
        file,
        line: 237,
        patch: 1,
        new: true,
      }),
    ]);
    expect(judged.status).toBe('fail');
    expect(judged.summary).toBe(
      "build failed: drivers/md/dm-delay.c:237: undefined reference to `__udivdi3' in delay_ctr()",
    );
  });
});
