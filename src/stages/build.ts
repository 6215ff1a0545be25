// build: every config cell, base and patched, per-patch compiles, new-warning diff, proof that changed files compiled.
import type { CellResult, Finding } from '../results/model.js';
import { statusFromFindings, worstStatus } from '../results/verdict.js';
import { reproduceBuild, runBuildCell, type SeriesForCell } from '../build/runner.js';
import { judgeBuildCell } from '../build/judge.js';
import { judgedCell } from '../results/cell.js';
import type { BuiltKernels, CellKernels } from '../build/artifacts.js';
import type { FileLines } from '../build/line-proof.js';
import type { Cell } from '../kernel/cells.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { definedSymbols, makefileVersion } from '../kernel/kconfig.js';
import { toolchainFor } from '../kernel/toolchain.js';
import { touchedCFiles } from '../series/touched.js';
import { addedLinesInFinalTree } from '../series/changed.js';
import { seriesAdditions, symbolsBuilding } from '../build/series-config.js';
import { linesNotCompiled, tallyAnywhere } from '../build/line-judge.js';
import { ccacheEnv } from '../tools/ccache.js';
import type { RunContext, Stage, StageInput, StageOutput } from './stage.js';
import { gccVersion } from '../tools/gcc.js';
import { TOOL_VERSION } from '../version.js';
import { baseCacheNote } from '../cache/note.js';

/** The patched text of each changed .c file, for naming the #if around a line no cell compiled. */
async function patchedSources(ctx: RunContext, files: Iterable<string>): Promise<Map<string, string>> {
  const sources = new Map<string, string>();
  for (const f of files) {
    const text = await readFile(path.join(ctx.tree.dir, f), 'utf8').catch(() => undefined);
    if (text !== undefined) sources.set(f, text);
  }
  return sources;
}

/**
 * Our fragments ask for symbols of the kernels they were written for (6.1 to 6.12). On a tree that does not define
 * some of them (an older kernel), no build can test what the cells claim: say which, before any make runs.
 */
async function shippedFragmentsMisfit(ctx: RunContext): Promise<string | undefined> {
  const misfits: string[] = [];
  for (const cell of ctx.settings.cells.filter((c) => c.shipped)) {
    const asked = [...cell.wanted].filter(([, v]) => v !== 'n').map(([k]) => k);
    const defined = await definedSymbols(ctx.tree.git, asked);
    const missing = asked.filter((k) => !defined.has(k)).sort();
    if (missing.length)
      misfits.push(`${path.basename(cell.fragmentPath)} asks for ${missing.map((k) => `CONFIG_${k}`).join(', ')}`);
  }
  if (misfits.length === 0) return undefined;
  const version = makefileVersion(await readFile(path.join(ctx.tree.dir, 'Makefile'), 'utf8').catch(() => ''));
  return (
    `no shipped config fits this tree (linux ${version ?? 'of unknown version'}): ${misfits.join('; ')}, ` +
    'which it does not define; give fragments of your own with --configs'
  );
}

interface CellOutcome {
  result: CellResult;
  findings: Finding[];
  /** What this cell's preprocessor kept of each changed file's added lines (empty for a cell that errored). */
  lines: Map<string, FileLines>;
  kernels?: CellKernels;
}

/** One cell: its makes (runner), then the verdict on what they printed (judge), as the stage's cell result. */
async function buildOneCell(ctx: RunContext, cell: Cell, series: SeriesForCell): Promise<CellOutcome> {
  const t0 = Date.now();
  const toolchain = await toolchainFor(cell.arch);
  if (!toolchain.ok) {
    return {
      result: { config: cell.name, status: 'error', durationMs: 0, summary: toolchain.reason },
      findings: [
        { tool: 'kbuild', severity: 'error', type: 'NO_COMPILER', config: cell.name, message: toolchain.reason },
      ],
      lines: new Map(),
    };
  }
  ctx.progress.info(`build: ${cell.name} (ARCH=${cell.arch})`);
  const { settings } = ctx;
  const kbuild = {
    srcDir: ctx.tree.dir,
    ...(toolchain.crossCompile ? { crossCompile: toolchain.crossCompile } : {}),
    jobs: settings.jobs,
    timeoutMs: settings.stepTimeoutMs,
    ccache: ccacheEnv({ dir: settings.ccacheDir, maxSize: settings.ccacheSize, baseDir: ctx.workDir }),
  };
  const baseCache = settings.baseCacheDir
    ? {
        store: { dir: path.join(settings.baseCacheDir, 'build'), tool: TOOL_VERSION },
        compiler: (await gccVersion(toolchain.crossCompile)) ?? 'no gcc --version',
      }
    : undefined;
  const run = await runBuildCell({
    cell,
    kbuild,
    git: ctx.tree.git,
    treeDir: ctx.tree.dir,
    outDir: ctx.outDir,
    workDir: ctx.workDir,
    series,
    progress: ctx.progress,
    ...(baseCache ? { baseCache } : {}),
  });
  const judged = judgeBuildCell(run.record, series.patches, settings.failOn);
  const facts = { durationMs: Date.now() - t0, metrics: run.metrics, artifacts: run.kernels.dir };
  const result = judgedCell(cell.name, judged, facts, () => reproduceBuild(cell, run.kernels.dir, run.commands));
  const use = run.metrics.baseCache;
  if (use) result.summary += `; ${baseCacheNote(use)}`;

  ctx.progress.info(
    `build: ${cell.name} ${result.status} in ${(result.durationMs / 1000).toFixed(1)}s — ${result.summary}`,
  );
  return {
    result,
    findings: judged.findings,
    lines: judged.status === 'error' ? new Map() : judged.lines,
    kernels: run.kernels,
  };
}

async function buildEveryCell(ctx: RunContext, input: StageInput<'apply'>): Promise<StageOutput<BuiltKernels>> {
  const settings = ctx.settings;
  const misfit = await shippedFragmentsMisfit(ctx);
  if (misfit) {
    const finding: Finding = {
      tool: 'kbuild',
      severity: 'error',
      type: 'CONFIG_DOES_NOT_FIT',
      new: false,
      message: misfit,
    };
    return { result: { name: 'build', status: 'error', durationMs: 0, summary: misfit, findings: [finding] } };
  }
  const applied = input.apply;
  // What the series needs is read from the patched tree (a patch may add the Makefile line), once for all cells.
  await ctx.tree.git.run(['checkout', '--quiet', '--detach', applied.patchedCommit]);
  const needs = await symbolsBuilding(ctx.tree.dir, touchedCFiles(ctx.series.patches));
  const definesWerror = (await definedSymbols(ctx.tree.git, ['WERROR'])).has('WERROR');
  const changedLines = addedLinesInFinalTree(ctx.series.patches);
  const sources = await patchedSources(ctx, changedLines.keys());
  const outcomes: CellOutcome[] = [];
  for (const cell of settings.cells) {
    const additions = await seriesAdditions(ctx.tree.git, ctx.tree.dir, needs, cell.arch, cell.wanted);
    const series: SeriesForCell = {
      patches: ctx.series.patches,
      commits: applied.commits,
      baseCommit: applied.baseCommit,
      additions,
      definesWerror,
      changedLines,
    };
    outcomes.push(await buildOneCell(ctx, cell, series));
  }
  await ctx.tree.git.run(['checkout', '--quiet', '--detach', applied.patchedCommit]);
  const judged = outcomes
    .filter((o) => o.result.status !== 'error')
    .map((o) => ({ cell: o.result.config, files: o.lines }));
  const proof = judged.length ? linesNotCompiled(judged, sources) : [];
  const anywhere = tallyAnywhere(judged);
  const findings = [...outcomes.flatMap((o) => o.findings), ...proof];
  const cells: CellResult[] = outcomes.map((o) => o.result);
  const worstCell = worstStatus(
    cells.map((c) => c.status),
    'pass',
  );
  const status = worstStatus([statusFromFindings(proof, settings.failOn)], worstCell);
  const bad = cells.filter((c) => c.status === 'fail' || c.status === 'error');
  const built = cells.map((c) => c.config).join(', ');
  const summary = bad.length
    ? bad.map((c) => `${c.config}: ${c.summary}`).join('; ')
    : `${cells.length} config${cells.length === 1 ? '' : 's'} built: ${built}; ` +
      `${anywhere.compiled}/${anywhere.total} changed lines compiled in at least one`;
  const handoff: BuiltKernels = {
    cells: Object.fromEntries(outcomes.flatMap((o) => (o.kernels ? [[o.result.config, o.kernels]] : []))),
  };
  return { result: { name: 'build', status, durationMs: 0, summary, cells, findings }, handoff };
}

export const buildStage: Stage<'apply', BuiltKernels> = {
  name: 'build',
  needs: ['apply'],
  uses: [],
  run: buildEveryCell,
};
