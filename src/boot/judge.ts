// Pure: the verdict of one boot cell, from the record of what its base and patched kernels printed. Every rule a
// maintainer would argue about lives here ("is this splat pre-existing?", "does the ciphertext match base?"), and
// runs in a unit test on captured consoles in milliseconds.
import type { Finding, FailOn, StageStatus } from '../results/model.js';
import { statusFromFindings } from '../results/verdict.js';
import { classifyAgainstBase } from '../findings/fingerprint.js';
import type { ChangedFunction } from '../series/changed.js';
import { silentScenario, tail, type ConsoleReport } from './console.js';
import { blameChanged, findSplats, splatKey, type Splat } from './watchdog.js';
import type { FunctionCoverage } from './coverage.js';
import { classifySuites, isSuiteTest, suiteFindings, suitesSummary, type SuiteTestVerdict } from './suites-judge.js';

/** What one kernel's boot left behind, as the judge needs it. */
export interface KernelRun {
  report: ConsoleReport;
  /** Why the watchdog stopped the guest, when it did. */
  killed?: string;
}

export interface BootRecord {
  cell: string;
  accel: string;
  patched: KernelRun;
  /** The base kernel of the same config under the same workload; undefined when the build left none. */
  base?: KernelRun;
  /** The cell's config has HIGHMEM: a guest without high memory would not test kmap_local_page(). */
  highmem: boolean;
  /** The changed functions, and the changed files' patched text (a splat can surface in a caller). */
  changed: readonly ChangedFunction[];
  sources: ReadonlyMap<string, string>;
  /** Splat excerpts decoded against vmlinux (decode_stacktrace.sh), by the splat's console line. */
  decoded: ReadonlyMap<number, string[]>;
  /** Coverage of the changed functions from the patched kernel's gcov counters; empty without them. */
  coverage: readonly FunctionCoverage[];
  /** Why the chosen suite tests could not run (their disk could not be made), when they could not. */
  suitesUnavailable?: string;
}

export interface Judgement {
  status: StageStatus;
  summary: string;
  findings: Finding[];
}

const EXCERPT_LINES = 25;

function bootFailed(record: BootRecord): Finding[] {
  const { patched, base } = record;
  if (patched.report.initLine !== undefined) return [];
  const pre = base !== undefined && base.report.initLine === undefined;
  // a panic's own line says why; its stack dump can push it out of the last lines
  const last = tail(patched.report.lines);
  const panic = patched.report.lines.find((l) => /Kernel panic - not syncing/.test(l));
  const shown = panic && !last.includes(panic) ? [panic, '…', ...last] : last;
  const killed = patched.killed ? ` (${patched.killed})` : '';
  return [
    {
      tool: 'kernel',
      severity: pre ? 'warning' : 'error',
      type: 'BOOT_FAILED',
      new: !pre,
      message:
        `the patched ${record.cell} kernel did not reach our init${killed}` +
        `${pre ? '; the base kernel did not either' : ''}.` +
        ` Last console lines:\n${shown.join('\n')}`,
    },
  ];
}

function noHighmem(record: BootRecord): Finding[] {
  const report = record.patched.report;
  if (!record.highmem || report.initLine === undefined || report.highTotalKb) return [];
  const message =
    `the ${record.cell} guest has no high memory (HighTotal 0): kmap_local_page() maps nothing there, ` +
    'give it more RAM';
  return [{ tool: 'workload', severity: 'warning', type: 'NO_HIGHMEM', new: false, message }];
}

/** KTAP results, patched against base: a scenario that fails on the base kernel too is not blamed. */
function scenarioFindings(record: BootRecord): Finding[] {
  const findings: Finding[] = [];
  const { patched, base } = record;
  const killed = patched.killed ? ` (${patched.killed})` : '';
  for (const scenario of patched.report.scenarios) {
    if (scenario.status === 'pass' || scenario.status === 'skip' || isSuiteTest(scenario)) continue;
    const onBase = base?.report.scenarios.find((x) => x.name === scenario.name);
    const pre = onBase
      ? onBase.status === 'fail' || onBase.status === 'missing'
      : base !== undefined && silentScenario(base.report) === scenario.n;
    const why = scenario.status === 'missing' ? `no result${killed}` : (scenario.reason ?? 'failed');
    const details =
      scenario.status === 'missing'
        ? tail(patched.report.lines.slice(scenario.firstLine), 10)
        : scenario.notes.slice(-8);
    const preNote = pre ? ' (pre-existing: it fails on the base kernel too)' : '';
    findings.push({
      tool: 'workload',
      severity: pre ? 'warning' : 'error',
      type: pre ? 'SCENARIO_FAILS_ON_BASE' : 'SCENARIO_FAILED',
      new: !pre,
      message: `scenario ${scenario.name}: ${why}${preNote}${details.length ? `\n${details.join('\n')}` : ''}`,
    });
  }
  const { initLine, planned, scenarios } = patched.report;
  const missing = initLine !== undefined && planned !== undefined ? planned - scenarios.length : 0;
  if (missing > 0) {
    const what = patched.report.suitesPlanned ? 'scenarios and suite tests' : 'scenarios';
    const message = `${missing} of ${planned} ${what} never started${killed}`;
    findings.push({ tool: 'workload', severity: 'error', type: 'SCENARIO_NOT_RUN', new: true, message });
  }
  return findings;
}

/** Deterministic ciphertext (the same key, IV mode and plaintext) must not change under the patched kernel. */
function ciphertextFindings(record: BootRecord): Finding[] {
  const findings: Finding[] = [];
  if (!record.base) return findings;
  for (const scenario of record.patched.report.scenarios) {
    const onBase = record.base.report.scenarios.find((x) => x.name === scenario.name);
    for (const [label, hash] of Object.entries(scenario.hashes)) {
      const baseHash = onBase?.hashes[label];
      if (!baseHash || baseHash === hash) continue;
      findings.push({
        tool: 'workload',
        severity: 'error',
        type: 'CIPHERTEXT_DIFFERS',
        new: true,
        message:
          `scenario ${scenario.name}: the ciphertext written by ${label} under the patched kernel differs from the ` +
          `base kernel's (sha256 ${hash.slice(0, 16)}… vs ${baseHash.slice(0, 16)}…): ` +
          'the series changes what lands on disk',
      });
    }
  }
  return findings;
}

/** One finding per splat of the patched kernel, blamed on the changed function it passed through if any. */
function splatFinding(record: BootRecord, splat: Splat, pre: boolean): Finding {
  const blame = blameChanged(splat, record.changed, record.sources);
  const fn = blame?.fn;
  const shown = record.decoded.get(splat.line) ?? splat.excerpt.slice(0, EXCERPT_LINES);
  const changedBy = fn && `${fn.name}() (${fn.file}, changed by patch ${fn.patches.join(', ')})`;
  const where = blame?.via
    ? ` in ${blame.via}(), which calls ${changedBy}`
    : fn
      ? ` in ${changedBy}`
      : splat.functions[0]
        ? ` in ${splat.functions[0]}()`
        : '';
  const preNote = pre ? ' (pre-existing: the base kernel prints it too)' : '';
  return {
    tool: 'kernel',
    severity: pre ? 'warning' : 'error',
    type: pre ? 'KERNEL_SPLAT_ON_BASE' : 'KERNEL_SPLAT',
    new: !pre,
    ...(fn ? { file: fn.file, line: fn.lines[0], patch: fn.patches.length === 1 ? fn.patches[0] : undefined } : {}),
    message: `${splat.title}${where}, during ${splat.scenario}${preNote}\n${shown.join('\n')}`,
  };
}

/**
 * The kernel log watchdog: a splat the base kernel also printed (same key: title without numbers, top functions)
 * is not the series' doing. Repeats do not count: a loop that warns more often on one boot is timing, not a change.
 */
function splatFindings(record: BootRecord): Finding[] {
  const baseSplats = record.base ? findSplats(record.base.report) : [];
  const splats = findSplats(record.patched.report);
  const { existing } = classifyAgainstBase(baseSplats, splats, splatKey, { repeats: 'ignore' });
  return splats.map((splat) => splatFinding(record, splat, existing.includes(splat))); // in console order
}

/** The suite tests against the base, and the reason they could not run at all when they could not. */
function suiteTestFindings(record: BootRecord, verdicts: readonly SuiteTestVerdict[]): Finding[] {
  const unavailable: Finding[] = record.suitesUnavailable
    ? [
        {
          tool: 'suite',
          severity: 'warning',
          type: 'SUITES_UNAVAILABLE',
          new: false,
          message: `the maintainers' suites did not run: ${record.suitesUnavailable} (the scenarios ran)`,
        },
      ]
    : [];
  return [...unavailable, ...suiteFindings(verdicts)];
}

function coverageFindings(record: BootRecord): Finding[] {
  return record.coverage.flatMap((c): Finding[] => {
    if (c.calls === undefined) return [];
    const line = record.changed.find((f) => f.file === c.file && f.name === c.name)?.lines[0];
    const bySuites = c.suites?.calls ?? 0;
    const suites = c.suites
      ? `; the suites: ${bySuites} times, ${c.suites.linesRun}/${c.linesWithCode} changed lines`
      : '';
    const message =
      c.calls > 0
        ? `${c.name}() executed ${c.calls} times; ${c.linesRun}/${c.linesWithCode} changed lines ran${suites}`
        : bySuites > 0
          ? `${c.name}() was reached only by the maintainers' suites (no scenario reached it)${suites}`
          : `${c.name}() was not reached by any scenario that ran` +
            `${c.notReachedBecause ? `: ${c.notReachedBecause}` : ''}${c.suites ? ', nor by the suites' : ''}`;
    return [
      {
        tool: 'kernel',
        severity: 'info',
        type: c.calls > 0 || bySuites > 0 ? 'CHANGE_EXECUTED' : 'CHANGE_NOT_REACHED',
        file: c.file,
        line,
        message,
      },
    ];
  });
}

/** The boot cell's findings (each with its config), status and one-line summary. */
export function judgeBoot(record: BootRecord, failOn: FailOn): Judgement {
  const suiteVerdicts = classifySuites(record.patched.report, record.base?.report);
  const findings = [
    ...bootFailed(record),
    ...noHighmem(record),
    ...scenarioFindings(record),
    ...suiteTestFindings(record, suiteVerdicts),
    ...ciphertextFindings(record),
    ...splatFindings(record),
    ...coverageFindings(record),
  ].map((f) => ({ ...f, config: record.cell }));
  const { report } = record.patched;
  const neitherBooted =
    report.initLine === undefined && record.base?.report.initLine === undefined && record.base !== undefined;
  const status = neitherBooted ? 'error' : statusFromFindings(findings, failOn);
  const scenarios = report.scenarios.filter((s) => !isSuiteTest(s));
  const passed = scenarios.filter((s) => s.status === 'pass').length;
  const skipped = scenarios.filter((s) => s.status === 'skip').length;
  const reached = record.coverage.filter((c) => (c.calls ?? 0) > 0 || (c.suites?.calls ?? 0) > 0).length;
  const suites = suitesSummary(suiteVerdicts);
  const planned = report.planned === undefined ? scenarios.length : report.planned - (report.suitesPlanned ?? 0);
  const differs = findings.some((f) => f.type === 'CIPHERTEXT_DIFFERS');
  const summary = [
    `${passed}/${planned} scenarios passed${skipped ? ` (${skipped} skipped)` : ''}` +
      ` under ${record.accel.toUpperCase()}`,
    ...(suites ? [suites] : record.suitesUnavailable ? ['suites did not run'] : []),
    ...(record.base ? [`ciphertext ${differs ? 'DIFFERS from' : 'identical to'} base`] : []),
    ...(record.coverage.length ? [`${reached}/${record.coverage.length} changed functions executed`] : []),
    ...(report.highTotalKb ? [`HighTotal ${Math.round(report.highTotalKb / 1024)} MiB`] : []),
  ].join('; ');
  return { status, summary, findings };
}
