// checkpatch: the tree's scripts/checkpatch.pl on every patch, each finding tied to its patch, file and line.
import type { Finding, Severity } from '../results/model.js';
import { statusFromFindings } from '../results/verdict.js';
import { runCheckpatch, type CheckpatchFinding } from '../tools/checkpatch.js';
import { lineInFinalTree } from '../series/lines.js';
import type { RunContext, Stage, StageInput, StageOutput } from './stage.js';

const SEVERITY: Record<CheckpatchFinding['level'], Severity> = { ERROR: 'error', WARNING: 'warning', CHECK: 'info' };

async function checkEveryPatch(ctx: RunContext, input: StageInput<'apply'>): Promise<StageOutput<void>> {
  // the tree's own checkpatch.pl and spelling list, as of the patched tree (a series may update them)
  await ctx.tree.git.run(['checkout', '--quiet', '--detach', input.apply.patchedCommit]);
  const findings: Finding[] = [];
  const counts = { errors: 0, warnings: 0, checks: 0 };
  for (const patch of ctx.series.patches) {
    const report = await runCheckpatch(patch.file, {
      treeDir: ctx.tree.dir,
      strict: ctx.settings.checkpatchStrict,
      ignore: ctx.settings.checkpatchIgnore,
      timeoutMs: ctx.settings.stepTimeoutMs,
    });
    for (const f of report.findings) {
      counts[f.level === 'ERROR' ? 'errors' : f.level === 'WARNING' ? 'warnings' : 'checks']++;
      findings.push({
        tool: 'checkpatch',
        severity: SEVERITY[f.level],
        type: f.type,
        message: f.message,
        // checkpatch counts lines right after this patch; later patches may move them
        ...(f.file
          ? {
              file: f.file,
              line: f.line === undefined ? undefined : lineInFinalTree(ctx.series.patches, patch.index, f.file, f.line),
            }
          : {}),
        patch: patch.index,
        new: true,
      });
    }
  }
  const n = ctx.series.patches.length;
  const summary =
    `${n} patch${n === 1 ? '' : 'es'}: ${counts.errors} errors, ${counts.warnings} warnings` +
    `${ctx.settings.checkpatchStrict ? `, ${counts.checks} checks` : ''}`;
  return {
    result: {
      name: 'checkpatch',
      status: statusFromFindings(findings, ctx.settings.failOn),
      durationMs: 0,
      summary,
      findings,
    },
  };
}

export const checkpatchStage: Stage<'apply'> = { name: 'checkpatch', needs: ['apply'], uses: [], run: checkEveryPatch };
