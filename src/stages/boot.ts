// boot: every built config's base and patched kernels in QEMU with the guest scenarios the series needs.
import { inputError } from '../errors.js';
import type { CellResult, Finding, StageResult } from '../results/model.js';
import { worstStatus } from '../results/verdict.js';
import { bootCell, type BootCellOutcome, type BootSettings } from '../boot/cell.js';
import { chooseScenarios } from '../boot/choose.js';
import { readScenarios } from '../guest/scenarios.js';
import { changedFunctions, type ChangedFunction } from '../series/changed.js';
import type { Patch } from '../series/intake.js';
import type { RunContext, Stage } from './stage.js';

interface Workload {
  /** Scenario names for kpci.only; undefined runs every scenario. */
  only?: string[];
  summary: string;
  findings: Finding[];
}

/** --scenarios all, a list (checked against the guest's), or by default the ones the change needs. */
async function chooseWorkload(settings: BootSettings, patches: readonly Patch[], changed: readonly ChangedFunction[]): Promise<Workload> {
  const available = await readScenarios(settings.guestDir);
  const names = available.map((s) => s.name);
  if (settings.scenarios?.includes('all')) return { summary: `all ${names.length} scenarios (--scenarios all)`, findings: [] };
  if (settings.scenarios) {
    const unknown = settings.scenarios.filter((n) => !names.includes(n));
    if (unknown.length) throw inputError(`--scenarios: no scenario ${unknown.join(', ')} in ${settings.guestDir} (scenarios: ${names.join(', ')}, or all)`);
    return { only: settings.scenarios, summary: `${settings.scenarios.length} of ${names.length} scenarios (--scenarios)`, findings: [] };
  }
  const files = [...new Set(patches.flatMap((p) => p.files.map((f) => f.path)))];
  const choice = chooseScenarios(available, files, changed);
  const message = [
    `${choice.names.length} of ${names.length} scenarios chosen by the change (--scenarios all runs every one):`,
    ...choice.reasons.map((r) => `  ${r}`),
    ...(choice.unreached.length ? [`no scenario says it reaches ${choice.unreached.join(', ')}: only the smoke scenarios run for ${choice.unreached.length === 1 ? 'it' : 'them'}`] : []),
  ].join('\n');
  return {
    only: choice.names,
    summary: `${choice.names.length} of ${names.length} scenarios, chosen by the change`,
    findings: [{ tool: 'workload', severity: 'info', type: 'SCENARIOS_CHOSEN', new: true, message }],
  };
}

async function bootEveryCell(ctx: RunContext): Promise<StageResult> {
  await ctx.tree.git.run(['checkout', '--quiet', '--detach', ctx.applied!.commits.at(-1)!]);
  const changed = await changedFunctions(ctx.tree.dir, ctx.series.patches);
  const workload = await chooseWorkload(ctx.settings.boot, ctx.series.patches, changed);
  const settings: BootSettings = { ...ctx.settings.boot, ...(workload.only ? { scenarios: workload.only } : { scenarios: undefined }) };
  ctx.progress.info(`boot: ${workload.summary}`);
  const outcomes: BootCellOutcome[] = [];
  for (const cell of ctx.settings.cells) {
    ctx.progress.info(`boot: ${cell.name} (ARCH=${cell.arch})`);
    const outcome = await bootCell(ctx, cell, settings, changed);
    ctx.progress.info(`boot: ${cell.name} ${outcome.result.status} in ${(outcome.result.durationMs / 1000).toFixed(1)}s — ${outcome.result.summary}`);
    outcomes.push(outcome);
  }
  const cells: CellResult[] = outcomes.map((o) => o.result);
  const status = worstStatus(cells.map((c) => c.status), 'pass');
  const booted = cells.filter((c) => c.status !== 'skip');
  const bad = cells.filter((c) => c.status === 'fail' || c.status === 'error');
  const summary = booted.length === 0
    ? 'skip: no config produced a kernel'
    : `${workload.summary}; ${(bad.length ? bad : cells).map((c) => `${c.config}: ${c.summary}`).join('; ')}`;
  return { name: 'boot', status: booted.length === 0 ? 'skip' : status, durationMs: 0, summary, cells, findings: [...workload.findings, ...outcomes.flatMap((o) => o.findings)] };
}

export const bootStage: Stage = { name: 'boot', needs: ['apply'], run: bootEveryCell };
