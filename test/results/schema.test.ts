// The schema itself: it accepts what the code writes and refuses what the contract forbids.
import { describe, expect, test } from '@jest/globals';
import { schemaProblems } from '../helpers/results-schema.js';
import { errorResults } from '../../src/results/store.js';

const ok = {
  schemaVersion: 1,
  tool: { name: 'kernel-patch-ci', version: '0.1.0' },
  verdict: 'fail',
  reason: 'checkpatch: 1 error',
  tree: { source: '/usr/src/linux-source-6.1.tar.xz', baseCommit: 'e894928d7a32'.padEnd(40, '0') },
  series: [{ index: 1, subject: 'dm crypt: use kmap_local_page', author: 'A <a@b>', files: ['drivers/md/dm-crypt.c'] }],
  stages: [
    {
      name: 'boot',
      status: 'fail',
      durationMs: 5,
      summary: 's',
      cells: [
        {
          config: 'i386-highmem',
          status: 'fail',
          durationMs: 1,
          summary: 's',
          metrics: {
            accel: 'tcg',
            initramfsMs: 1500,
            initramfsCached: true,
            patched: { toFirstScenarioMs: 6000, totalMs: 40000 },
          },
          artifacts: '/o/artifacts/i386-highmem',
        },
      ],
      findings: [
        {
          tool: 'kernel',
          severity: 'error',
          type: 'KERNEL_SPLAT',
          message: 'BUG',
          file: 'drivers/md/dm-crypt.c',
          line: 3,
          patch: 1,
          config: 'i386-highmem',
          new: true,
        },
      ],
    },
  ],
};

describe('schema/results.schema.json', () => {
  test('accepts a full results object and the error results of a bad input', () => {
    expect(schemaProblems(ok)).toEqual([]);
    expect(schemaProblems(errorResults('input series: nothing matches "x"'))).toEqual([]);
  });
  test("cell metrics are a build cell's or a boot cell's, nothing else", () => {
    const build = structuredClone(ok) as any;
    build.stages[0].cells[0].metrics = {
      configureMs: 1,
      baseBuildMs: 2,
      perPatchMs: 3,
      patchedBuildMs: 4,
      ccacheHitRate: { base: 0.98, patched: 1 },
    };
    expect(schemaProblems(build)).toEqual([]);
    const bad = structuredClone(ok) as any;
    bad.stages[0].cells[0].metrics = { accel: 'hvf', initramfsMs: 1, initramfsCached: false };
    expect(schemaProblems(bad).join('\n')).toMatch(/metrics/);
    bad.stages[0].cells[0].metrics = { configureMs: 1 };
    expect(schemaProblems(bad).join('\n')).toMatch(/metrics/);
  });
  test('refuses an unknown stage, a two-line reason, an absolute file, a field the contract lacks', () => {
    const bad = structuredClone(ok) as any;
    bad.stages[0].name = 'lint';
    bad.reason = 'a\nb';
    bad.stages[0].findings[0].file = '/abs/path.c';
    bad.stages[0].findings[0].colour = 'red';
    expect(schemaProblems(bad)).toEqual(
      expect.arrayContaining([
        '/stages/0/name: must be equal to one of the allowed values',
        '/reason: must match pattern "^[^\\n]*$"',
        '/stages/0/findings/0/file: must NOT be valid',
        '/stages/0/findings/0: must NOT have additional properties (colour)',
      ]),
    );
  });
});
