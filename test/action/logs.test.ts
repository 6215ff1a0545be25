import { describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { failureGroups, lastLines, stageBroke, TAIL_LINES } from '../../src/action/logs.js';
import type { Results, StageResult } from '../../src/results/model.js';

const stage = (over: Partial<StageResult>): StageResult => ({
  name: 'build',
  status: 'pass',
  durationMs: 1,
  summary: '',
  findings: [],
  ...over,
});
const results = (stages: StageResult[]): Results => ({
  schemaVersion: 1,
  tool: { name: 'kernel-patch-ci', version: 't' },
  verdict: 'fail',
  tree: { source: 't' },
  series: [],
  stages,
});

describe('the logs a red stage step shows', () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'kpci-logs-'));
  const build = Array.from({ length: 200 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
  mkdirSync(path.join(out, 'artifacts', 'i386-highmem'), { recursive: true });
  mkdirSync(path.join(out, 'artifacts', 'x86_64-dm'), { recursive: true });
  writeFileSync(path.join(out, 'artifacts', 'i386-highmem', 'build.log'), build);
  writeFileSync(path.join(out, 'artifacts', 'i386-highmem', 'console-base.log'), 'base boot\n');
  writeFileSync(
    path.join(out, 'artifacts', 'i386-highmem', 'console-patched.log'),
    'BUG: sleeping function called from invalid context\n',
  );
  writeFileSync(path.join(out, 'artifacts', 'x86_64-dm', 'build.log'), 'all fine\n');

  test('only failed and errored stages break their step', () => {
    expect(
      ['pass', 'warn', 'skip', 'fail', 'error'].map((s) => stageBroke(stage({ status: s as StageResult['status'] }))),
    ).toEqual([false, false, false, true, true]);
    expect(stageBroke(undefined)).toBe(false);
  });

  test("a failed build shows the tail of the failing cell's build log, not the passing cell's", async () => {
    const r = results([
      stage({
        status: 'fail',
        cells: [
          { config: 'x86_64-dm', status: 'pass', durationMs: 1, summary: '' },
          { config: 'i386-highmem', status: 'fail', durationMs: 1, summary: '' },
        ],
      }),
    ]);
    const groups = await failureGroups(r, 'build', out);
    expect(groups.map((g) => g.title)).toEqual([
      `build i386-highmem: last ${TAIL_LINES} lines of artifacts/i386-highmem/build.log`,
    ]);
    expect(groups[0]!.body.split('\n')).toHaveLength(TAIL_LINES);
    expect(groups[0]!.body.split('\n').at(-1)).toBe('line 200');
    expect(groups[0]!.body.split('\n')[0]).toBe(`line ${200 - TAIL_LINES + 1}`);
  });

  test('a failed boot shows both consoles of the failing cell; a passing stage shows nothing', async () => {
    const r = results([
      stage({
        name: 'boot',
        status: 'fail',
        cells: [{ config: 'i386-highmem', status: 'fail', durationMs: 1, summary: '' }],
      }),
      stage({ status: 'pass' }),
    ]);
    expect((await failureGroups(r, 'boot', out)).map((g) => [g.title.split(': ')[1], g.body])).toEqual([
      ['last 80 lines of artifacts/i386-highmem/console-base.log', 'base boot'],
      [
        'last 80 lines of artifacts/i386-highmem/console-patched.log',
        'BUG: sleeping function called from invalid context',
      ],
    ]);
    expect(await failureGroups(r, 'build', out)).toEqual([]);
  });

  test('lastLines keeps short logs whole', () => {
    expect(lastLines('a\nb\n', 5)).toBe('a\nb');
  });
});
