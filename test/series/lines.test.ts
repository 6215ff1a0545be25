import { describe, expect, test } from '@jest/globals';
import { parseDiff } from '../../src/series/diff.js';
import type { Patch } from '../../src/series/intake.js';
import { lineInFinalTree, shiftLine, traceLine, traceToFinalTree } from '../../src/series/lines.js';

// Two hunks: three lines added after old line 10, old lines 20-21 replaced by one line.
const hunks = parseDiff(
  [
    'diff --git a/drivers/md/dm.c b/drivers/md/dm.c',
    '--- a/drivers/md/dm.c',
    '+++ b/drivers/md/dm.c',
    '@@ -9,2 +9,5 @@ static int a(void)',
    ' nine',
    ' ten',
    '+new1',
    '+new2',
    '+new3',
    '@@ -19,4 +22,3 @@ static int b(void)',
    ' nineteen',
    '-twenty',
    '-twentyone',
    '+merged',
    ' twentytwo',
    '',
  ].join('\n'),
)[0]!.hunks;

describe('shiftLine', () => {
  test('lines before, between and after hunks move by what the hunks above added or removed', () => {
    expect(shiftLine(hunks, 5)).toBe(5);
    expect(shiftLine(hunks, 10)).toBe(10);
    expect(shiftLine(hunks, 11)).toBe(14);
    expect(shiftLine(hunks, 19)).toBe(22);
    expect(shiftLine(hunks, 22)).toBe(24);
    expect(shiftLine(hunks, 100)).toBe(102);
  });
  test('pure insertions and deletions (an empty side is written as the line before it)', () => {
    const insert = [
      { oldStart: 10, oldLines: 0, newStart: 11, newLines: 3, header: '', added: [11, 12, 13], removed: [] },
    ];
    expect([10, 11].map((l) => shiftLine(insert, l))).toEqual([10, 14]);
    const remove = [
      { oldStart: 10, oldLines: 3, newStart: 9, newLines: 0, header: '', added: [], removed: [10, 11, 12] },
    ];
    expect([9, 11, 13].map((l) => shiftLine(remove, l))).toEqual([9, 10, 10]);
  });

  test('a line the later patch rewrote maps into that hunk', () => {
    expect(shiftLine(hunks, 20)).toBe(23);
    expect(shiftLine(hunks, 21)).toBe(24);
  });
});

describe('lineInFinalTree', () => {
  const patch = (index: number, files: Patch['files']): Patch => ({
    index,
    file: '',
    subject: '',
    rawSubject: '',
    author: '',
    authorEmail: '',
    signedOffBy: [],
    body: '',
    files,
  });
  test('only later patches that touch the same file move the line', () => {
    const series = [
      patch(1, []),
      patch(2, [{ path: 'drivers/md/dm.c', status: 'modified', binary: false, hunks }]),
      patch(3, []),
    ];
    expect(lineInFinalTree(series, 1, 'drivers/md/dm.c', 50)).toBe(52);
    expect(lineInFinalTree(series, 2, 'drivers/md/dm.c', 50)).toBe(50);
    expect(lineInFinalTree(series, 1, 'drivers/md/other.c', 50)).toBe(50);
  });
});

describe('traceLine', () => {
  test('a kept line inside a hunk moves by the lines added above it in that hunk; a removed line has no place', () => {
    expect(traceLine(hunks, 19)).toBe(22);
    expect(traceLine(hunks, 20)).toBeUndefined();
    expect(traceLine(hunks, 21)).toBeUndefined();
    expect(traceLine(hunks, 22)).toBe(24);
    expect(traceLine(hunks, 10)).toBe(10);
  });
  test('a line of context below an insertion in the same hunk', () => {
    const [h] = parseDiff(
      [
        'diff --git a/x.c b/x.c',
        '--- a/x.c',
        '+++ b/x.c',
        '@@ -18,4 +18,5 @@',
        ' a',
        '+inserted',
        ' b',
        ' c',
        ' d',
        '',
      ].join('\n'),
    )[0]!.hunks;
    expect([18, 19, 20, 21].map((l) => traceLine([h!], l))).toEqual([18, 20, 21, 22]);
  });
});

describe('traceToFinalTree', () => {
  const patch = (index: number, files: Patch['files']): Patch => ({
    index,
    file: '',
    subject: '',
    rawSubject: '',
    author: '',
    authorEmail: '',
    signedOffBy: [],
    body: '',
    files,
  });
  test('follows a rename, and a deleted file drops the line', () => {
    const renamed = [
      patch(1, []),
      patch(2, [{ path: 'b.c', oldPath: 'drivers/md/dm.c', status: 'renamed', binary: false, hunks }]),
    ];
    expect(traceToFinalTree(renamed, 1, 'drivers/md/dm.c', 50)).toEqual({ file: 'b.c', line: 52 });
    const deleted = [
      patch(1, []),
      patch(2, [{ path: 'drivers/md/dm.c', status: 'deleted', binary: false, hunks: [] }]),
    ];
    expect(traceToFinalTree(deleted, 1, 'drivers/md/dm.c', 50)).toBeUndefined();
  });
});
