// boot: every built config's base and patched kernels in QEMU with the guest scenarios the series needs.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { inputError } from '../errors.js';
import type { BootCellMetrics, CellResult, Finding } from '../results/model.js';
import { worstStatus } from '../results/verdict.js';
import { reproduceBoot, runBootCell, type BootSettings } from '../boot/runner.js';
import { judgeBoot } from '../boot/judge.js';
import { judgedCell } from '../results/cell.js';
import { cellArtifacts, type CellKernels } from '../build/artifacts.js';
import type { Cell } from '../kernel/cells.js';
import { chooseScenarios } from '../boot/choose.js';
import { readScenarios } from '../guest/scenarios.js';
import { chooseSuiteTests, readSuites, type SuiteTest } from '../guest/suites.js';
import { changedFunctions, type ChangedFunction } from '../series/changed.js';
import type { Patch } from '../series/intake.js';
import type { RunContext, Stage, StageInput, StageOutput } from './stage.js';
import { baseCacheNote } from '../cache/note.js';

interface Workload {
  /** Scenario names for kpci.only; undefined runs every scenario. */
  only?: string[];
  /** Chosen by the change (not named by the user): the scenario map may cut them further per cell. */
  byChange?: boolean;
  summary: string;
  findings: Finding[];
}

/** --scenarios all, a list (checked against the guest's), or by default the ones the change needs. */
async function chooseWorkload(
  settings: BootSettings,
  patches: readonly Patch[],
  changed: readonly ChangedFunction[],
): Promise<Workload> {
  const available = await readScenarios(settings.guestDir);
  const names = available.map((s) => s.name);
  if (settings.scenarios?.includes('all'))
    return { summary: `all ${names.length} scenarios (--scenarios all)`, findings: [] };
  if (settings.scenarios) {
    const unknown = settings.scenarios.filter((n) => !names.includes(n));
    if (unknown.length)
      throw inputError(
        `--scenarios: no scenario ${unknown.join(', ')} in ${settings.guestDir} ` +
          `(scenarios: ${names.join(', ')}, or all)`,
      );
    return {
      only: settings.scenarios,
      summary: `${settings.scenarios.length} of ${names.length} scenarios (--scenarios)`,
      findings: [],
    };
  }
  const files = [...new Set(patches.flatMap((p) => p.files.map((f) => f.path)))];
  const choice = chooseScenarios(available, files, changed);
  const message = [
    `${choice.names.length} of ${names.length} scenarios chosen by the change (--scenarios all runs every one):`,
    ...choice.reasons.map((r) => `  ${r}`),
    ...(choice.unreached.length
      ? [
          `no scenario says it reaches ${choice.unreached.join(', ')}: ` +
            `only the smoke scenarios run for ${choice.unreached.length === 1 ? 'it' : 'them'}`,
        ]
      : []),
  ].join('\n');
  return {
    only: choice.names,
    byChange: true,
    summary: `${choice.names.length} of ${names.length} scenarios, chosen by the change`,
    findings: [{ tool: 'workload', severity: 'info', type: 'SCENARIOS_CHOSEN', new: true, message }],
  };
}

/** Pure: what the scenario map did in a cell, for its summary. */
export function scenarioMapNote(map: BootCellMetrics['scenarioMap']): string | undefined {
  if (!map) return undefined;
  if (map.learnedFunctions !== undefined)
    return `scenario map learned (${map.learnedFunctions} functions; the base ran its scenarios one at a time)`;
  if (!map.ran) return undefined;
  if (map.widened) return `all ${map.ran.length} scenarios ran on the patched kernel: ${map.widened}`;
  return (
    `the patched kernel ran ${map.ran.length} of ${map.candidates} scenarios, those the base's scenario map ` +
    `says enter a changed function (${map.reasons!.join('; ')})`
  );
}

/** One cell: its kernels booted (runner), then judged (judge), as the stage's cell result. */
async function bootOneCell(
  ctx: RunContext,
  cell: Cell,
  kernels: CellKernels | undefined,
  settings: BootSettings,
  changed: readonly ChangedFunction[],
): Promise<{ result: CellResult; findings: Finding[] }> {
  const t0 = Date.now();
  const artifacts = kernels?.dir ?? cellArtifacts(ctx.outDir, ctx.workDir, cell.name).dir;
  const patched = kernels?.patched;
  if (!kernels || !patched || !existsSync(patched.image)) {
    const summary = 'skipped: the build stage produced no patched kernel for this config';
    return { result: { config: cell.name, status: 'skip', durationMs: 0, summary, artifacts }, findings: [] };
  }
  const scratchDir = path.join(ctx.workDir, 'boot', cell.name);
  const run = await runBootCell({
    cell,
    kernels: { ...kernels, patched },
    settings,
    treeDir: ctx.tree.dir,
    scratchDir,
    changed,
    progress: ctx.progress,
  });
  const judged = judgeBoot(run.record, ctx.settings.failOn);
  const facts = { durationMs: Date.now() - t0, metrics: run.metrics, artifacts };
  const result = judgedCell(cell.name, judged, facts, () => reproduceBoot(cell, run));
  const map = scenarioMapNote(run.metrics.scenarioMap);
  if (map) result.summary += `; ${map}`;
  if (run.metrics.baseCache) result.summary += `; ${baseCacheNote(run.metrics.baseCache)}`;
  return { result, findings: judged.findings };
}

/** The maintainers' suite tests the change reaches (--suites), and why each was chosen. */
async function chooseSuites(
  settings: BootSettings,
  patches: readonly Patch[],
  changed: readonly ChangedFunction[],
): Promise<{ tests: SuiteTest[]; summary?: string; findings: Finding[] }> {
  if (settings.suites === 'none') return { tests: [], summary: 'no suite tests (--suites none)', findings: [] };
  const files = [...new Set(patches.flatMap((p) => p.files.map((f) => f.path)))];
  const choice = chooseSuiteTests(await readSuites(settings.guestDir), settings.suites, files, changed);
  if (choice.tests.length === 0) return { tests: [], findings: [] };
  const suites = [...new Set(choice.tests.map((t) => t.suite))];
  const how = settings.suites === 'full' ? 'all their tests (--suites full)' : 'chosen by the change';
  const summary = `${choice.tests.length} ${suites.join(' and ')} suite tests, ${how}`;
  const message = [
    `${summary}; each runs on the base and the patched kernel, a failure up to ${settings.suiteReruns} more ` +
      'times (--suites none runs none, --suites full all of them):',
    ...choice.reasons.map((r) => `  ${r}`),
  ].join('\n');
  return {
    tests: choice.tests,
    summary,
    findings: [{ tool: 'suite', severity: 'info', type: 'SUITES_CHOSEN', new: true, message }],
  };
}

async function bootEveryCell(ctx: RunContext, input: StageInput<'apply' | 'build'>): Promise<StageOutput<void>> {
  await ctx.tree.git.run(['checkout', '--quiet', '--detach', input.apply.patchedCommit]);
  const changed = await changedFunctions(ctx.tree.dir, ctx.series.patches);
  const workload = await chooseWorkload(ctx.settings.boot, ctx.series.patches, changed);
  const suites = await chooseSuites(ctx.settings.boot, ctx.series.patches, changed);
  const settings: BootSettings = {
    ...ctx.settings.boot,
    ...(workload.only ? { scenarios: workload.only } : { scenarios: undefined }),
    scenarioMap: workload.byChange === true,
    suiteTests: suites.tests,
  };
  if (suites.summary) workload.summary += `, ${suites.summary}`;
  workload.findings.push(...suites.findings);
  ctx.progress.info(`boot: ${workload.summary}`);
  const outcomes: { result: CellResult; findings: Finding[] }[] = [];
  for (const cell of ctx.settings.cells) {
    ctx.progress.info(`boot: ${cell.name} (ARCH=${cell.arch})`);
    const outcome = await bootOneCell(ctx, cell, input.build.cells[cell.name], settings, changed);
    const { status, durationMs, summary } = outcome.result;
    ctx.progress.info(`boot: ${cell.name} ${status} in ${(durationMs / 1000).toFixed(1)}s — ${summary}`);
    outcomes.push(outcome);
  }
  const cells: CellResult[] = outcomes.map((o) => o.result);
  const status = worstStatus(
    cells.map((c) => c.status),
    'pass',
  );
  const booted = cells.filter((c) => c.status !== 'skip');
  const bad = cells.filter((c) => c.status === 'fail' || c.status === 'error');
  const summary =
    booted.length === 0
      ? 'skip: no config produced a kernel'
      : `${workload.summary}; ${(bad.length ? bad : cells).map((c) => `${c.config}: ${c.summary}`).join('; ')}`;
  const findings = [...workload.findings, ...outcomes.flatMap((o) => o.findings)];
  return {
    result: { name: 'boot', status: booted.length === 0 ? 'skip' : status, durationMs: 0, summary, cells, findings },
  };
}

export const bootStage: Stage<'apply' | 'build'> = {
  name: 'boot',
  needs: ['apply'],
  uses: ['build'],
  run: bootEveryCell,
};
