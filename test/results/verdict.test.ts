import { describe, expect, test } from '@jest/globals';
import type { Finding, StageResult } from '../../src/results/model.js';
import { exitCodeFor, overallVerdict, statusFromFindings, verdictReason } from '../../src/results/verdict.js';

const f = (severity: Finding['severity'], isNew?: boolean): Finding => ({
  tool: 'sparse',
  severity,
  message: 'm',
  ...(isNew === undefined ? {} : { new: isNew }),
});
const stage = (name: StageResult['name'], status: StageResult['status'], summary = 's'): StageResult => ({
  name,
  status,
  durationMs: 0,
  summary,
  findings: [],
});

describe('stage status under --fail-on', () => {
  test('new-warning (default): new warnings fail, pre-existing ones do not', () => {
    expect(statusFromFindings([f('warning', true)], 'new-warning')).toBe('fail');
    expect(statusFromFindings([f('warning', false)], 'new-warning')).toBe('pass');
    expect(statusFromFindings([f('error', false)], 'new-warning')).toBe('pass');
    expect(statusFromFindings([f('info', true)], 'new-warning')).toBe('pass');
  });
  test('error: warnings only warn; warning: every warning fails', () => {
    expect(statusFromFindings([f('warning', true)], 'error')).toBe('warn');
    expect(statusFromFindings([f('error', true)], 'error')).toBe('fail');
    expect(statusFromFindings([f('warning', false)], 'warning')).toBe('fail');
  });
});

describe('verdict', () => {
  test('error beats fail beats pass; the reason names the stage', () => {
    expect(overallVerdict([stage('apply', 'pass'), stage('checkpatch', 'warn')])).toBe('pass');
    expect(overallVerdict([stage('apply', 'pass'), stage('sparse', 'fail')])).toBe('fail');
    expect(overallVerdict([stage('apply', 'error'), stage('sparse', 'skip')])).toBe('error');
    expect(verdictReason([stage('apply', 'pass'), stage('sparse', 'fail', '1 new')])).toBe('sparse: 1 new');
    expect(verdictReason([stage('apply', 'pass')])).toBeUndefined();
  });
  test('exit codes 0/1/2', () => {
    expect([
      exitCodeFor({ verdict: 'pass' }),
      exitCodeFor({ verdict: 'fail' }),
      exitCodeFor({ verdict: 'error' }),
    ]).toEqual([0, 1, 2]);
  });
});
