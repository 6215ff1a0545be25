import { describe, expect, test } from '@jest/globals';
import { mergeResults } from '../../src/results/merge.js';
import type { Results, StageResult } from '../../src/results/model.js';

const base = (stages: StageResult[], extra: Partial<Results> = {}): Results => ({
  schemaVersion: 1,
  tool: { name: 'kernel-patch-ci', version: '0.1.0' },
  verdict: 'pass',
  tree: { source: 'linux-dm.git', ref: 'for-next', baseCommit: 'a'.repeat(40) },
  series: [{ index: 1, subject: 'dm crypt: x', author: 'A <a@x>', files: ['drivers/md/dm-crypt.c'] }],
  stages,
  ...extra,
});
const st = (
  name: StageResult['name'],
  status: StageResult['status'],
  extra: Partial<StageResult> = {},
): StageResult => ({ name, status, durationMs: 10, summary: `${name} ${status}`, findings: [], ...extra });
const cell = (config: string, status: StageResult['status']) => ({
  config,
  status,
  durationMs: 5,
  summary: `${config} ${status}`,
});

describe('mergeResults', () => {
  test('a checks job and one job per cell become one results file: cells gathered, stages in contract order', () => {
    const checks = base([st('apply', 'pass'), st('checkpatch', 'pass'), st('readiness', 'pass')]);
    const x86 = base([
      st('apply', 'pass'),
      st('build', 'pass', { cells: [cell('x86_64-dm', 'pass')] }),
      st('boot', 'pass', { cells: [cell('x86_64-dm', 'pass')] }),
    ]);
    const i386 = base(
      [
        st('apply', 'pass'),
        st('build', 'pass', { cells: [cell('i386-highmem', 'pass')] }),
        st('boot', 'fail', {
          cells: [cell('i386-highmem', 'fail')],
          findings: [{ tool: 'kernel', severity: 'error', message: 'WARNING: …', config: 'i386-highmem', new: true }],
        }),
      ],
      { verdict: 'fail' },
    );
    const merged = mergeResults([checks, x86, i386]);
    expect(merged.stages.map((s) => [s.name, s.status])).toEqual([
      ['apply', 'pass'],
      ['checkpatch', 'pass'],
      ['build', 'pass'],
      ['boot', 'fail'],
      ['readiness', 'pass'],
    ]);
    expect(merged.stages[3]!.cells!.map((c) => c.config)).toEqual(['x86_64-dm', 'i386-highmem']);
    expect(merged.stages[3]!.findings).toHaveLength(1);
    expect(merged.stages[3]!.summary).toBe('i386-highmem: i386-highmem fail');
    expect(merged.verdict).toBe('fail');
    expect(merged.reason).toBe('boot: i386-highmem: i386-highmem fail');
  });

  test('a job that could not run at all makes the merged verdict error with its reason', () => {
    const ok = base([st('apply', 'pass')]);
    const broken: Results = { ...base([]), verdict: 'error', reason: 'cannot fetch for-next', tree: { source: 'x' } };
    expect(mergeResults([ok, broken])).toMatchObject({ verdict: 'error', reason: 'cannot fetch for-next' });
  });

  test('results of different base commits or schemas, or none, are refused with one line', () => {
    expect(() => mergeResults([])).toThrow(/^no results to merge/);
    expect(() => mergeResults([base([]), base([], { tree: { source: 'x', baseCommit: 'b'.repeat(40) } })])).toThrow(
      /^cannot merge results of different base commits: aaaaaaaaaaaa, bbbbbbbbbbbb$/,
    );
    expect(() => mergeResults([{ ...base([]), schemaVersion: 2 as 1 }])).toThrow(/^cannot merge results of schema 2/);
  });
});
