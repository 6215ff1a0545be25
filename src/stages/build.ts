// build: every config cell, base and patched, per-patch compiles, new-warning diff, proof that changed files compiled.
import type { CellResult, StageResult } from '../results/model.js';
import { statusFromFindings, worstStatus } from '../results/verdict.js';
import { buildCell, type CellOutcome } from '../build/cell.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { definedSymbols, makefileVersion } from '../kernel/kconfig.js';
import { toolchainFor } from '../kernel/toolchain.js';
import { touchedCFiles } from '../series/touched.js';
import { addedLinesInFinalTree } from '../series/changed.js';
import { seriesAdditions, symbolsBuilding } from '../build/series-config.js';
import { linesNotCompiled, tallyAnywhere } from '../build/line-judge.js';
import { ccacheEnv } from '../tools/ccache.js';
import type { RunContext, Stage } from './stage.js';

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
    if (missing.length) misfits.push(`${path.basename(cell.fragmentPath)} asks for ${missing.map((k) => `CONFIG_${k}`).join(', ')}`);
  }
  if (misfits.length === 0) return undefined;
  const version = makefileVersion(await readFile(path.join(ctx.tree.dir, 'Makefile'), 'utf8').catch(() => ''));
  return `no shipped config fits this tree (linux ${version ?? 'of unknown version'}): ${misfits.join('; ')}, which it does not define; give fragments of your own with --configs`;
}

async function buildEveryCell(ctx: RunContext): Promise<StageResult> {
  const settings = ctx.settings;
  const misfit = await shippedFragmentsMisfit(ctx);
  if (misfit) return { name: 'build', status: 'error', durationMs: 0, summary: misfit, findings: [{ tool: 'kbuild', severity: 'error', type: 'CONFIG_DOES_NOT_FIT', new: false, message: misfit }] };
  const outcomes: CellOutcome[] = [];
  // What the series needs is read from the patched tree (a patch may add the Makefile line), once for all cells.
  await ctx.tree.git.run(['checkout', '--quiet', '--detach', ctx.applied!.commits.at(-1)!]);
  const needs = await symbolsBuilding(ctx.tree.dir, touchedCFiles(ctx.series.patches));
  const definesWerror = (await definedSymbols(ctx.tree.git, ['WERROR'])).has('WERROR');
  const changedLines = addedLinesInFinalTree(ctx.series.patches);
  const sources = await patchedSources(ctx, changedLines.keys());
  const additions = new Map(await Promise.all(settings.cells.map(async (c) => [c.name, await seriesAdditions(ctx.tree.git, ctx.tree.dir, needs, c.arch, c.wanted)] as const)));
  for (const cell of settings.cells) {
    const toolchain = await toolchainFor(cell.arch);
    if (!toolchain.ok) {
      outcomes.push({
        result: { config: cell.name, status: 'error', durationMs: 0, summary: toolchain.reason },
        findings: [{ tool: 'kbuild', severity: 'error', type: 'NO_COMPILER', config: cell.name, message: toolchain.reason }],
        compiled: [],
        lines: new Map(),
      });
      continue;
    }
    ctx.progress.info(`build: ${cell.name} (ARCH=${cell.arch})`);
    const outcome = await buildCell(ctx, cell, {
      srcDir: ctx.tree.dir,
      crossCompile: toolchain.crossCompile,
      jobs: settings.jobs,
      timeoutMs: settings.stepTimeoutMs,
      ccache: ccacheEnv({ dir: settings.ccacheDir, maxSize: settings.ccacheSize, baseDir: ctx.workDir }),
    }, { additions: additions.get(cell.name)!, definesWerror, changedLines });
    ctx.progress.info(`build: ${cell.name} ${outcome.result.status} in ${(outcome.result.durationMs / 1000).toFixed(1)}s — ${outcome.result.summary}`);
    outcomes.push(outcome);
  }
  await ctx.tree.git.run(['checkout', '--quiet', '--detach', ctx.applied!.commits.at(-1)!]);
  const judged = outcomes.filter((o) => o.result.status !== 'error').map((o) => ({ cell: o.result.config, files: o.lines }));
  const proof = judged.length ? linesNotCompiled(judged, sources) : [];
  const anywhere = tallyAnywhere(judged);
  const findings = [...outcomes.flatMap((o) => o.findings), ...proof];
  const cells: CellResult[] = outcomes.map((o) => o.result);
  const worstCell = worstStatus(cells.map((c) => c.status), 'pass');
  const fromProof = statusFromFindings(proof, settings.failOn);
  const status = worstStatus([fromProof], worstCell);
  const bad = cells.filter((c) => c.status === 'fail' || c.status === 'error');
  const summary = bad.length
    ? bad.map((c) => `${c.config}: ${c.summary}`).join('; ')
    : `${cells.length} config${cells.length === 1 ? '' : 's'} built: ${cells.map((c) => c.config).join(', ')}; ${anywhere.compiled}/${anywhere.total} changed lines compiled in at least one`;
  return { name: 'build', status, durationMs: 0, summary, cells, findings };
}

export const buildStage: Stage = { name: 'build', needs: ['apply'], run: buildEveryCell };
