import { describe, expect, test } from '@jest/globals';
import { terseFinding, terseFindings } from '../../src/report/terse.js';
import type { Results } from '../../src/results/model.js';

describe('findings as gcc prints them', () => {
  test('file:line: severity: tool/TYPE: message (patch, cell)', () => {
    expect(
      terseFinding({
        tool: 'checkpatch',
        severity: 'error',
        type: 'TRAILING_WHITESPACE',
        message: 'trailing whitespace',
        file: 'drivers/md/dm-crypt.c',
        line: 560,
        patch: 1,
      }),
    ).toBe('drivers/md/dm-crypt.c:560: error: checkpatch/TRAILING_WHITESPACE: trailing whitespace (patch 1)');
    expect(
      terseFinding({
        tool: 'gcc',
        severity: 'warning',
        type: 'unused-variable',
        message: "unused variable 'p'\nmore",
        file: 'drivers/md/dm-crypt.c',
        line: 3,
        config: 'i386-highmem',
        new: true,
      }),
    ).toBe("drivers/md/dm-crypt.c:3: warning: gcc/unused-variable: unused variable 'p' (i386-highmem)");
  });
  test('no line, no file, a note, a finding the base had', () => {
    expect(
      terseFinding({ tool: 'readiness', severity: 'info', message: 'send to linux-raid', file: 'MAINTAINERS' }),
    ).toBe('MAINTAINERS: note: readiness: send to linux-raid');
    expect(
      terseFinding({
        tool: 'kernel',
        severity: 'error',
        type: 'KERNEL_SPLAT',
        message: 'BUG: sleeping function',
        config: 'x86_64-dm',
        new: false,
      }),
    ).toBe('error: kernel/KERNEL_SPLAT: BUG: sleeping function (x86_64-dm, already in the base)');
  });
  test('only new findings unless all are asked for', () => {
    const results = {
      stages: [
        {
          findings: [
            { tool: 'sparse', severity: 'warning', message: 'old', new: false },
            { tool: 'sparse', severity: 'warning', message: 'new', new: true },
          ],
        },
      ],
    } as unknown as Results;
    expect(terseFindings(results)).toEqual(['warning: sparse: new']);
    expect(terseFindings(results, { all: true })).toHaveLength(2);
  });
});
