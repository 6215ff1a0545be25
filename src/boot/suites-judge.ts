// Pure: the maintainers' suite tests of one boot cell, patched kernel against base, the way maintainers read them:
// a test that fails on both kernels is not the series' doing, one whose attempts disagree is flaky, and only a test
// that passes on the base and fails every attempt on the patched kernel is a regression.
import type { Finding } from '../results/model.js';
import type { ConsoleReport, ScenarioOutcome } from './console.js';

export type SuiteClass = 'pass' | 'regression' | 'fixed' | 'persistent' | 'flaky' | 'skip';
export const SUITE_CLASSES: readonly SuiteClass[] = ['pass', 'regression', 'fixed', 'persistent', 'flaky', 'skip'];

/** One kernel's outcome of one test: its attempts folded (a pass after a failure is flaky). */
export type KernelOutcome = 'pass' | 'fail' | 'flaky' | 'skip' | 'missing';

export interface SuiteTestVerdict {
  id: string;
  class: SuiteClass;
  patched: KernelOutcome;
  /** Undefined when no base kernel booted. */
  base?: KernelOutcome;
  /** The guest's reason on the KTAP line (skip reason, "failed 3 of 3 attempts"). */
  reason?: string;
  /** The failing attempt's log tail. */
  excerpt: string[];
}

export const isSuiteTest = (s: Pick<ScenarioOutcome, 'name'>) => s.name.includes(':');

export function kernelOutcome(s: ScenarioOutcome | undefined): KernelOutcome {
  if (!s || s.status === 'missing') return 'missing';
  if (s.status === 'skip') return 'skip';
  const attempts = s.attempts ?? [];
  if (attempts.includes('pass') && attempts.includes('fail')) return 'flaky';
  return s.status === 'pass' ? 'pass' : 'fail';
}

const failed = (o: KernelOutcome | undefined) => o === 'fail' || o === 'missing';

/** The class of one test from its outcomes on the patched and (when it booted) the base kernel. */
export function classifySuiteTest(patched: KernelOutcome, base: KernelOutcome | undefined): SuiteClass {
  if (patched === 'skip') return 'skip';
  if (patched === 'flaky' || base === 'flaky') return 'flaky';
  if (patched === 'pass') return failed(base) ? 'fixed' : 'pass';
  return failed(base) ? 'persistent' : 'regression';
}

/** Every suite test of the patched kernel's run, classified against the base kernel's run of the same test. */
export function classifySuites(patched: ConsoleReport, base: ConsoleReport | undefined): SuiteTestVerdict[] {
  return patched.scenarios.filter(isSuiteTest).map((s) => {
    const onBase = base ? kernelOutcome(base.scenarios.find((x) => x.name === s.name)) : undefined;
    const mine = kernelOutcome(s);
    return {
      id: s.name,
      class: classifySuiteTest(mine, onBase),
      patched: mine,
      ...(onBase ? { base: onBase } : {}),
      ...(s.reason ? { reason: s.reason } : {}),
      excerpt: s.notes.slice(-12),
    };
  });
}

const FINDING: Record<Exclude<SuiteClass, 'pass'>, Pick<Finding, 'severity' | 'type' | 'new'>> = {
  regression: { severity: 'error', type: 'SUITE_REGRESSION', new: true },
  persistent: { severity: 'warning', type: 'SUITE_FAILS_ON_BASE', new: false },
  flaky: { severity: 'warning', type: 'SUITE_FLAKY', new: false },
  fixed: { severity: 'info', type: 'SUITE_FIXED', new: true },
  skip: { severity: 'info', type: 'SUITE_SKIPPED', new: false },
};

function describe(v: SuiteTestVerdict): string {
  const base = v.base === undefined ? 'no base kernel to compare with' : `base kernel: ${v.base}`;
  const reason = v.reason ? ` (${v.reason})` : '';
  switch (v.class) {
    case 'regression':
      return v.base === undefined
        ? `${v.id} fails on the patched kernel${reason}; ${base}`
        : `${v.id} passes on the base kernel and fails on the patched one${reason}`;
    case 'persistent':
      return `${v.id} fails on the base kernel too${reason}: pre-existing, not blamed on the series`;
    case 'flaky':
      return `${v.id} is flaky: its attempts disagree (patched: ${v.patched}; ${base})${reason}; not blamed`;
    case 'fixed':
      return `${v.id} fails on the base kernel and passes on the patched one`;
    default:
      return `${v.id} skipped${v.reason ? `: ${v.reason.replace(/^SKIP\s*/, '')}` : ''}`;
  }
}

/** One finding per test that is not a plain pass; a regression carries the test's log excerpt. */
export function suiteFindings(verdicts: readonly SuiteTestVerdict[]): Finding[] {
  return verdicts
    .filter((v) => v.class !== 'pass')
    .map((v) => {
      const excerpt = v.class === 'regression' || v.class === 'persistent' ? v.excerpt : [];
      return {
        tool: 'suite',
        ...FINDING[v.class as Exclude<SuiteClass, 'pass'>],
        message: `${describe(v)}${excerpt.length ? `\n${excerpt.join('\n')}` : ''}`,
      };
    });
}

/** "suites: 3 pass, 1 regression" — each class that occurred, in a fixed order. */
export function suitesSummary(verdicts: readonly SuiteTestVerdict[]): string | undefined {
  if (verdicts.length === 0) return undefined;
  const counts = SUITE_CLASSES.map((c) => [c, verdicts.filter((v) => v.class === c).length] as const).filter(
    ([, n]) => n > 0,
  );
  return `suite tests: ${counts.map(([c, n]) => `${n} ${c}`).join(', ')}`;
}
