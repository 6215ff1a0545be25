import type { FailOn, Finding, Results, StageResult, StageStatus, Verdict } from './model.js';

/** Does this finding fail the series under the chosen --fail-on policy? */
export function isBlocking(finding: Finding, failOn: FailOn): boolean {
  if (finding.severity === 'error') return finding.new !== false;
  if (finding.severity !== 'warning') return false;
  if (failOn === 'error') return false;
  if (failOn === 'warning') return true;
  return finding.new !== false;
}

/** A stage's status from its findings: fail if any blocks, warn if any warning remains, pass otherwise. */
export function statusFromFindings(findings: readonly Finding[], failOn: FailOn): StageStatus {
  if (findings.some((f) => isBlocking(f, failOn))) return 'fail';
  if (findings.some((f) => f.severity !== 'info' && f.new !== false)) return 'warn';
  return 'pass';
}

const RANK: Record<StageStatus, number> = { skip: 0, pass: 1, warn: 2, fail: 3, error: 4 };

/**
 * The worst of some statuses (cells of a stage, jobs of a matrix), starting from `from` (skip < pass < … < error).
 */
export function worstStatus(statuses: readonly StageStatus[], from: StageStatus = 'skip'): StageStatus {
  return statuses.reduce((w, s) => (RANK[s] > RANK[w] ? s : w), from);
}

export function overallVerdict(stages: readonly StageResult[]): Verdict {
  if (stages.some((s) => s.status === 'error')) return 'error';
  if (stages.some((s) => s.status === 'fail')) return 'fail';
  return 'pass';
}

/** The one-line reason for a fail or error verdict: the first stage that caused it. */
export function verdictReason(stages: readonly StageResult[]): string | undefined {
  const culprit = stages.find((s) => s.status === 'error') ?? stages.find((s) => s.status === 'fail');
  return culprit ? `${culprit.name}: ${culprit.summary}` : undefined;
}

export function exitCodeFor(results: Pick<Results, 'verdict'>): 0 | 1 | 2 {
  return results.verdict === 'pass' ? 0 : results.verdict === 'fail' ? 1 : 2;
}
