import { describe, expect, test } from '@jest/globals';
import { fixture } from '../helpers/fixtures.js';
import { coverageMarkdown, coverageOfChanges, gcdaPath, type GcovReport } from '../../src/boot/coverage.js';

// gcov --json-format of dm-crypt.o from a real guest run (the crypt_iv_* functions), after the crypt scenarios
const report = JSON.parse(fixture('boot', 'gcov-dm-crypt.json')) as GcovReport;

describe('coverage of the changed functions', () => {
  test('functions that ran, one that did not, and a file without counters', () => {
    const rows = coverageOfChanges(report, [
      { file: 'drivers/md/dm-crypt.c', name: 'crypt_iv_lmk_post', lines: [560], patches: [1] },
      { file: 'drivers/md/dm-crypt.c', name: 'crypt_iv_tcw_wipe', lines: [632], patches: [1] },
      { file: 'drivers/md/dm-log-writes.c', name: 'write_metadata', lines: [300], patches: [2] },
    ]);
    expect(rows[0]).toMatchObject({ name: 'crypt_iv_lmk_post', linesWithCode: 1, linesRun: 1 });
    expect(rows[0]!.calls).toBeGreaterThan(1000);
    expect(rows[1]).toMatchObject({ name: 'crypt_iv_tcw_wipe', calls: 0 });
    expect(rows[2]!.calls).toBeUndefined();
    const md = coverageMarkdown('x86_64-dm', rows);
    expect(md).toContain('| drivers/md/dm-crypt.c | crypt_iv_lmk_post | 1 |');
    expect(md).toContain('not reached by any scenario');
    expect(md).toContain('no counters');
  });

  test('gcov names sources by absolute path; the guest files counters under the build dir', () => {
    const absolute: GcovReport = { files: report.files.map((f) => ({ ...f, file: `/work/out/work/linux/${f.file}` })) };
    expect(
      coverageOfChanges(absolute, [
        { file: 'drivers/md/dm-crypt.c', name: 'crypt_iv_elephant', lines: [], patches: [1] },
      ])[0]!.calls,
    ).toBeGreaterThan(0);
    expect(gcdaPath('/r', '/work/out/work/build/x86_64-dm', 'drivers/md/dm-crypt.c')).toBe(
      '/r/gcov/work/out/work/build/x86_64-dm/drivers/md/dm-crypt.gcda',
    );
  });
});
