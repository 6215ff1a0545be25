import { describe, expect, test } from '@jest/globals';
import { blamed, compareVersions, type VersionRecord } from '../../src/versions/compare.js';
import type { VersionFinding } from '../../src/results/model.js';

const f = (over: Partial<VersionFinding>): VersionFinding => ({
  stage: 'checkpatch',
  severity: 'warning',
  type: 'LONG_LINE',
  file: 'drivers/md/dm-crypt.c',
  line: 10,
  message: 'line length of 104 exceeds 100 columns',
  ...over,
});
const rec = (findings: VersionFinding[], stages = ['checkpatch', 'build']): VersionRecord => ({ stages, findings });

describe('findings across versions of a series', () => {
  test('fixed, new and still there; a finding whose line moved or whose numbers changed is the same one', () => {
    const kept = f({});
    const gone = f({ type: 'TRAILING_WHITESPACE', message: 'trailing whitespace', line: 30 });
    const fresh = f({ stage: 'build', type: 'GCC_WARNING', message: "unused variable 'p'", line: 44 });
    const delta = compareVersions(
      rec([kept, gone]),
      rec([{ ...kept, line: 12, message: 'line length of 107 exceeds 100 columns' }, fresh]),
    );
    expect(delta.fixed).toEqual([gone]);
    expect(delta.added).toEqual([fresh]);
    expect(delta.remaining.map((x) => x.line)).toEqual([12]);
  });

  test('two copies before and one after: one fixed, one still there', () => {
    const a = f({});
    const delta = compareVersions(rec([a, { ...a, line: 20 }]), rec([a]));
    expect([delta.fixed.length, delta.remaining.length, delta.added.length]).toEqual([1, 1, 0]);
  });

  test('the same finding in another cell is another finding', () => {
    const a = f({ stage: 'boot', type: 'KERNEL_SPLAT', config: 'x86_64-dm', message: 'BUG: x' });
    const delta = compareVersions(rec([a], ['boot']), rec([{ ...a, config: 'i386-highmem' }], ['boot']));
    expect([delta.fixed.length, delta.added.length]).toEqual([1, 1]);
  });

  test('a stage this run did not run has fixed nothing: neither fixed nor still there', () => {
    const build = f({ stage: 'build', type: 'GCC_WARNING', message: 'x' });
    const delta = compareVersions(rec([build]), rec([], ['checkpatch']));
    expect(delta).toEqual({ fixed: [], added: [], remaining: [] });
  });

  test('only what the series is blamed for counts: not info, not what the base already had', () => {
    const found = blamed({
      stages: [
        {
          name: 'build',
          status: 'warn',
          durationMs: 1,
          summary: '',
          findings: [
            { tool: 'gcc', severity: 'warning', type: 'W', message: 'new one\nmore', file: 'a.c', line: 3 },
            { tool: 'gcc', severity: 'warning', type: 'W', message: 'old one', new: false },
            { tool: 'kbuild', severity: 'info', type: 'I', message: 'fyi' },
          ],
        },
      ],
    });
    expect(found).toEqual([
      { stage: 'build', severity: 'warning', type: 'W', file: 'a.c', line: 3, message: 'new one' },
    ]);
  });
});
