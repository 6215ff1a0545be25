import { describe, expect, test } from '@jest/globals';
import path from 'node:path';
import { REPO } from '../helpers/fixtures.js';
import { parseScenario, readNotReached, readScenarios } from '../../src/guest/scenarios.js';

describe('guest scenarios as the host reads them', () => {
  test('name from the file, reaches and smoke from the leading comment block only', () => {
    const text =
      '# what it does\n# kpci-reaches: drivers/md/a.c drivers/md/a.c:f_*\n# kpci-reaches: include/x.h\n' +
      '# kpci-smoke\nrun_it\n# kpci-reaches: not/this.c\n';
    expect(parseScenario('10-crypt-lmk.sh', text)).toEqual({
      name: 'crypt-lmk',
      reaches: ['drivers/md/a.c', 'drivers/md/a.c:f_*', 'include/x.h'],
      smoke: true,
    });
  });

  test('the shipped guest: every scenario says what it reaches, in run order, and two are the smoke set', async () => {
    const scenarios = await readScenarios(path.join(REPO, 'guest'));
    expect(scenarios.map((s) => s.name)).toEqual([
      'crypt-lmk',
      'crypt-tcw',
      'crypt-elephant',
      'crypt-xts-plain64',
      'log-writes',
      'integrity',
      'verity',
      'lvm-linear',
      'lvm-striped',
      'lvm-raid1',
      'lvm-snapshot',
      'lvm-thin',
      'lvm-cache',
      'md-raid1-bitmap',
      'md-raid5-journal',
      'md-raid10',
    ]);
    expect(scenarios.filter((s) => s.reaches.length === 0)).toEqual([]);
    expect(scenarios.filter((s) => s.smoke).map((s) => s.name)).toEqual(['crypt-xts-plain64', 'lvm-linear']);
  });

  test('the reasons for changed functions no scenario reaches', async () => {
    const reasons = await readNotReached(path.join(REPO, 'guest'));
    expect(reasons.get('drivers/md/md-bitmap.c:md_bitmap_file_test_bit')).toMatch(/md-cluster/);
    expect(await readNotReached('/nonexistent')).toEqual(new Map());
  });
});
