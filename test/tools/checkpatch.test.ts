import { describe, expect, test } from '@jest/globals';
import { parseCheckpatch } from '../../src/tools/checkpatch.js';
import { fixture } from '../helpers/fixtures.js';

describe('parseCheckpatch on real checkpatch.pl 6.1 output', () => {
  test('every finding with its level, type, file and line; commit-level findings have no file', () => {
    const report = parseCheckpatch(fixture('checkpatch-problems.txt'));
    expect(report.totals).toEqual({ errors: 2, warnings: 2, checks: 0, lines: 20 });
    expect(report.findings).toEqual([
      {
        level: 'ERROR',
        type: 'TRAILING_WHITESPACE',
        message: 'trailing whitespace',
        file: 'drivers/md/dm-crypt.c',
        line: 560,
      },
      {
        level: 'WARNING',
        type: 'DEPRECATED_API',
        message: "Deprecated use of 'kmap_atomic', prefer 'kmap_local_page' instead",
        file: 'drivers/md/dm-crypt.c',
        line: 560,
      },
      {
        level: 'WARNING',
        type: 'DEPRECATED_API',
        message: "Deprecated use of 'kmap', prefer 'kmap_local_page' instead",
        file: 'drivers/md/dm-crypt.c',
        line: 565,
      },
      { level: 'ERROR', type: 'MISSING_SIGN_OFF', message: 'Missing Signed-off-by: line(s)' },
    ]);
  });

  test('a clean --strict run has totals and no findings', () => {
    const report = parseCheckpatch(fixture('checkpatch-clean.txt'));
    expect(report.findings).toEqual([]);
    expect(report.totals).toEqual({ errors: 0, warnings: 0, checks: 0, lines: 75 });
  });

  test('a message wrapped over two lines is joined; quoted context is not part of it', () => {
    const out = [
      'WARNING:COMMIT_LOG_LONG_LINE: Possible unwrapped commit description',
      '(prefer a maximum 75 chars per line)',
      '#10: ',
      'This line is very long and goes on and on and on and on and on and on and on and on.',
      '',
      'CHECK:PARENTHESIS_ALIGNMENT: Alignment should match open parenthesis',
      '#30: FILE: drivers/md/dm-log-writes.c:233:',
      '+\tmemset(ptr + entrylen + datalen, 0,',
      '+\t\tlc->sectorsize);',
      '',
      'total: 0 errors, 1 warnings, 1 checks, 40 lines checked',
    ].join('\n');
    const report = parseCheckpatch(out);
    expect(report.findings[0]).toEqual({
      level: 'WARNING',
      type: 'COMMIT_LOG_LONG_LINE',
      message: 'Possible unwrapped commit description (prefer a maximum 75 chars per line)',
    });
    expect(report.findings[1]).toMatchObject({
      level: 'CHECK',
      file: 'drivers/md/dm-log-writes.c',
      line: 233,
      message: 'Alignment should match open parenthesis',
    });
    expect(report.totals?.checks).toBe(1);
  });
});
