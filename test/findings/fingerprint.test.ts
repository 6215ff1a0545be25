import { describe, expect, test } from '@jest/globals';
import { compareByFingerprint, fingerprint, normalizeMessage } from '../../src/findings/fingerprint.js';

describe('fingerprints', () => {
  test('the same diagnostic on another line has the same fingerprint; another function does not', () => {
    const a = fingerprint(
      {
        file: 'drivers/md/dm-snap.c',
        line: 644,
        message: "context imbalance in 'dm_exception_table_lock' - wrong count at exit",
      },
      'dm_exception_table_lock',
    );
    const b = fingerprint(
      {
        file: 'drivers/md/dm-snap.c',
        line: 649,
        message: "context imbalance in 'dm_exception_table_lock' - wrong count at exit",
      },
      'dm_exception_table_lock',
    );
    const c = fingerprint(
      {
        file: 'drivers/md/dm-snap.c',
        line: 649,
        message: "context imbalance in 'dm_exception_table_lock' - wrong count at exit",
      },
      'other',
    );
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  test('line references and columns inside messages are normalised', () => {
    expect(normalizeMessage('symbol x shadows an earlier one at line 120')).toBe(
      'symbol x shadows an earlier one at line #',
    );
    expect(normalizeMessage('originally declared here: dm.c:12:3  ok')).toBe('originally declared here: dm.c:# ok');
  });

  test('multiset comparison: a second copy of an existing warning is new, a missing one is fixed', () => {
    const key = (s: string) => s;
    expect(compareByFingerprint(['a', 'b', 'b'], ['b', 'c', 'b', 'b'], key)).toEqual({
      introduced: ['c', 'b'],
      fixed: ['a'],
      existing: ['b', 'b'],
    });
    expect(compareByFingerprint([], [], key)).toEqual({ introduced: [], fixed: [], existing: [] });
  });
});
