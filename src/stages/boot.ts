// boot: every built config's base and patched kernels in QEMU with the LVM and device-mapper workloads.
import type { CellResult, StageResult } from '../results/model.js';
import { worstStatus } from '../results/verdict.js';
import { bootCell, type BootCellOutcome } from '../boot/cell.js';
import { changedFunctions } from '../series/changed.js';
import type { RunContext, Stage } from './stage.js';


async function bootEveryCell(ctx: RunContext): Promise<StageResult> {
  const settings = ctx.settings.boot;
  await ctx.tree.git.run(['checkout', '--quiet', '--detach', ctx.applied!.commits.at(-1)!]);
  const changed = await changedFunctions(ctx.tree.dir, ctx.series.patches);
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
    : bad.length
      ? bad.map((c) => `${c.config}: ${c.summary}`).join('; ')
      : cells.map((c) => `${c.config}: ${c.summary}`).join('; ');
  return { name: 'boot', status: booted.length === 0 ? 'skip' : status, durationMs: 0, summary, cells, findings: outcomes.flatMap((o) => o.findings) };
}

export const bootStage: Stage = { name: 'boot', needs: ['apply'], run: bootEveryCell };
