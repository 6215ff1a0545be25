import { describe, expect, test } from '@jest/globals';
import { parseApplyFailure } from '../../src/stages/apply.js';
import { fixture } from '../helpers/fixtures.js';

describe('parseApplyFailure on real git output', () => {
  test('git apply --reject names each rejected hunk', () => {
    expect(parseApplyFailure(fixture('git-apply-reject.txt'))).toEqual([{ file: 'drivers/md/dm-crypt.c', hunk: 1 }]);
  });
  test('git am without a usable base names the file and the line of the failing hunk', () => {
    expect(parseApplyFailure(fixture('git-am-context-mismatch.txt'))).toEqual([
      { file: 'drivers/md/dm-delay.c', line: 17 },
    ]);
  });
  test('git am --3way with a conflict names the file', () => {
    expect(parseApplyFailure(fixture('git-am-3way-conflict.txt'))).toEqual([{ file: 'drivers/md/dm-crypt.c' }]);
  });
  test('a file missing from the tree', () => {
    expect(parseApplyFailure('error: drivers/md/gone.c: does not exist in index\n')).toEqual([
      { file: 'drivers/md/gone.c' },
    ]);
  });
});
