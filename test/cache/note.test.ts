import { describe, expect, test } from '@jest/globals';
import { baseCacheNote } from '../../src/cache/note.js';

describe('the base cache in a stage summary', () => {
  const key = 'build-0123456789abcdef01234567';
  test('a hit names the key, 12 digits of it whatever its kind', () => {
    expect(baseCacheNote({ key, hit: true })).toBe('base from cache, key build-0123456789ab');
    expect(baseCacheNote({ key: 'boot-8127682aebc3b0a1', hit: true })).toBe('base from cache, key boot-8127682aebc3');
  });
  test('a miss says why, and whether the computed base was kept', () => {
    expect(baseCacheNote({ key, hit: false, why: 'no entry for this key', saved: 'saved' })).toBe(
      'base computed (no entry for this key, now cached), key build-0123456789ab',
    );
    expect(
      baseCacheNote({
        key,
        hit: false,
        why: 'the entry was not used: it was written by kernel-patch-ci 0.0.9, this is 0.1.0',
        saved: 'not saved: cannot save it: no space left on device',
      }),
    ).toBe(
      'base computed (the entry was not used: it was written by kernel-patch-ci 0.0.9, this is 0.1.0, ' +
        'not saved: cannot save it: no space left on device), key build-0123456789ab',
    );
  });
});
