import { describe, expect, test } from '@jest/globals';
import type { Patch } from '../../src/series/intake.js';
import type { FileChange } from '../../src/series/diff.js';
import { onlyPatchTouching, touchedCFiles } from '../../src/series/touched.js';

const patch = (index: number, ...files: Partial<FileChange>[]): Patch => ({
  index,
  file: '',
  subject: '',
  rawSubject: '',
  author: '',
  authorEmail: '',
  signedOffBy: [],
  body: '',
  files: files.map((f) => ({ path: '', status: 'modified', binary: false, hunks: [], ...f })),
});

describe('touchedCFiles', () => {
  const series = [
    patch(1, { path: 'drivers/md/dm-crypt.c' }, { path: 'drivers/md/dm-crypt.h' }, { path: 'drivers/md/old.c' }),
    patch(2, { path: 'drivers/md/dm-log-writes.c' }, { path: 'drivers/md/old.c', status: 'deleted' }),
    patch(3, { path: 'drivers/md/dm-new.c', oldPath: 'drivers/md/dm-crypt.c', status: 'renamed' }),
  ];
  test('C files only, in order, without those deleted or renamed away later', () => {
    expect(touchedCFiles(series)).toEqual(['drivers/md/dm-log-writes.c', 'drivers/md/dm-new.c']);
    expect(touchedCFiles(series.slice(0, 1))).toEqual(['drivers/md/dm-crypt.c', 'drivers/md/old.c']);
  });
  test('a file touched by one patch is attributed to it; by two, to none', () => {
    expect(onlyPatchTouching(series, 'drivers/md/dm-log-writes.c')).toBe(2);
    expect(onlyPatchTouching(series, 'drivers/md/old.c')).toBeUndefined();
  });
});
