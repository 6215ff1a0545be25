// The pipeline: read the series, prepare the tree, run the chosen stages in the contract's order, write results.
import { existsSync } from 'node:fs';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RunError, infraError, inputError, oneLine } from './errors.js';
import {
  SCHEMA_VERSION,
  STAGE_ORDER,
  type Results,
  type SeriesEntry,
  type StageName,
  type StageResult,
} from './results/model.js';
import { overallVerdict, verdictReason } from './results/verdict.js';
import { readResults, writeResults } from './results/store.js';
import type { Progress } from './report/progress.js';
import type { RunSettings } from './settings.js';
import { readSeries, toSeriesEntries } from './series/intake.js';
import { classifyTree } from './tree/source.js';
import { prepareTree } from './tree/prepare.js';
import { handsOn, type Handoffs, type HandingStage, type RunContext, type StageInput } from './stages/stage.js';
import { STAGES, type AnyStage } from './stages/index.js';
import { loadHandoff, saveHandoff } from './stages/handoff-store.js';
import { resolveCells } from './kernel/cells.js';
import { TOOL_VERSION } from './version.js';
import { previousVersion, readPrevious } from './versions/previous.js';
import { blockedStages, checkStages } from './host/requirements.js';
import { chooseBase, namedBaseCommit } from './series/base.js';

const WORK_MARKER = '.kernel-patch-ci-work';

/** Our scratch space inside the out dir; refuse to reuse a "work" dir someone else made. */
async function claimWorkDir(outDir: string): Promise<string> {
  const workDir = path.join(outDir, 'work');
  if (existsSync(workDir) && !existsSync(path.join(workDir, WORK_MARKER))) {
    throw inputError(`${workDir} exists and was not made by kernel-patch-ci: choose another --out`);
  }
  await mkdir(workDir, { recursive: true });
  await writeFile(path.join(workDir, WORK_MARKER), 'scratch space of kernel-patch-ci; safe to delete\n');
  return workDir;
}

/** A bug, not a bad input: the user gets one line, the stack goes to a log file for the bug report. */
async function recordInternalError(outDir: string, error: unknown): Promise<string> {
  const log = path.join(outDir, 'logs', 'internal-error.log');
  await mkdir(path.dirname(log), { recursive: true }).catch(() => undefined);
  await appendFile(log, `${new Date().toISOString()} ${(error as Error)?.stack ?? String(error)}\n`).catch(
    () => undefined,
  );
  return `${oneLine(error)} (details in ${log})`;
}

/**
 * --continue: the stages an earlier step of this run already wrote to the out dir's results.json. They must be of
 * the same tree and series, or the step would mix two runs' verdicts.
 */
async function earlierStages(
  outDir: string,
  baseCommit: string,
  series: readonly SeriesEntry[],
): Promise<StageResult[]> {
  const earlier = await readResults(outDir).catch((error: unknown) => {
    throw inputError(`--continue: ${oneLine(error)}: use a new --out`);
  });
  if (!earlier) return [];
  const sameSeries =
    JSON.stringify(earlier.series?.map((p) => p.subject)) === JSON.stringify(series.map((p) => p.subject));
  if (earlier.tree?.baseCommit !== baseCommit || !sameSeries) {
    throw inputError(
      `--continue: ${path.join(outDir, 'results.json')} is from another tree or series: use a new --out`,
    );
  }
  return earlier.stages;
}

const inStageOrder = (a: StageResult, b: StageResult) => STAGE_ORDER.indexOf(a.name) - STAGE_ORDER.indexOf(b.name);

const skipped = (name: StageName, summary: string): StageResult => ({
  name,
  status: 'skip',
  durationMs: 0,
  summary,
  findings: [],
});

/** The hand-ons a stage takes, or why it cannot run: a needed stage did not pass, a used one left nothing. */
function inputFor(
  stage: AnyStage,
  done: readonly StageResult[],
  handoffs: Partial<Handoffs>,
): StageInput<HandingStage> | string {
  for (const name of stage.needs) {
    const need = done.find((d) => d.name === name);
    if (need && need.status !== 'pass' && need.status !== 'warn')
      return `skipped: ${name} ${need.status === 'skip' ? 'was skipped' : 'did not pass'}`;
  }
  for (const name of [...stage.needs, ...stage.uses]) {
    if (handoffs[name] !== undefined) continue;
    const ran = done.find((d) => d.name === name);
    return ran
      ? `skipped: ${name} (${ran.status}) left nothing to use`
      : `skipped: ${name} has not run in this out dir`;
  }
  return { ...(handoffs as Handoffs), earlier: [...done] };
}

async function runStage(
  stage: AnyStage,
  ctx: RunContext,
  done: readonly StageResult[],
  handoffs: Partial<Handoffs>,
): Promise<StageResult> {
  const input = inputFor(stage, done, handoffs);
  if (typeof input === 'string') return skipped(stage.name, input);
  ctx.progress.stageStart(stage.name);
  const t0 = Date.now();
  let result: StageResult;
  try {
    const output = await stage.run(ctx, input);
    result = output.result;
    const name = stage.name;
    if (output.handoff !== undefined && handsOn(name)) {
      Object.assign(handoffs, { [name]: output.handoff }); // a handing stage's Out is Handoffs[name]
      await saveHandoff(ctx.workDir, name, ctx.tree.baseCommit, output.handoff as Handoffs[typeof name]);
    }
  } catch (error) {
    const summary = error instanceof RunError ? oneLine(error) : await recordInternalError(ctx.outDir, error);
    result = { name: stage.name, status: 'error', durationMs: 0, summary, findings: [] };
  }
  result.durationMs = Date.now() - t0;
  ctx.progress.stageEnd(stage.name, result.status, result.summary, result.durationMs);
  return result;
}

/** --continue: what the kept stages handed on in their step, for the stages of this one. */
async function keptHandoffs(
  workDir: string,
  baseCommit: string,
  kept: readonly StageResult[],
): Promise<Partial<Handoffs>> {
  const handoffs: Partial<Handoffs> = {};
  for (const { name } of kept) {
    if (!handsOn(name)) continue;
    const handoff = await loadHandoff(workDir, name, baseCommit);
    if (handoff) Object.assign(handoffs, { [name]: handoff });
  }
  return handoffs;
}

export async function runPipeline(settings: RunSettings, progress: Progress): Promise<Results> {
  const results: Results = {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'kernel-patch-ci', version: TOOL_VERSION },
    verdict: 'error',
    tree: { source: settings.tree, ...(settings.ref ? { ref: settings.ref } : {}) },
    series: [],
    stages: [],
  };
  try {
    const workDir = await claimWorkDir(settings.outDir);
    // boot without build (a --continue step) boots the kernels an earlier step built for the same matrix
    const cells =
      settings.stages.includes('build') || settings.stages.includes('boot') ? await resolveCells(settings.configs) : [];
    const source = await classifyTree(settings.tree);
    const previous = settings.previous
      ? await readPrevious(settings.previous, source, workDir).catch((error: unknown) => oneLine(error))
      : undefined;
    progress.info('reading the series');
    const { series, rangeBase } = await readSeries(settings.series, source, workDir);
    results.series = toSeriesEntries(series);
    progress.info(
      `series: ${series.patches.length} patch${series.patches.length === 1 ? '' : 'es'}; ` +
        `preparing the tree ${settings.tree}`,
    );
    const t0 = Date.now();
    const named = await namedBaseCommit(series);
    const base = chooseBase({
      ...(settings.ref !== undefined ? { ref: settings.ref } : {}),
      ...(rangeBase ? { rangeBase } : {}),
      ...(named ? { named } : {}),
      source: source.kind,
    });
    if (base.note) progress.info(base.note);
    const tree = await progress.alive(
      'preparing the tree',
      prepareTree(source, { ...settings, ref: base.ref, workDir }).catch((error: unknown) => {
        if (base.why !== "the series' base-commit:") throw error;
        throw inputError(
          `the series' base-commit ${named} is not in ${settings.tree} (${oneLine(error)}): ` +
            'fetch it there, or give --ref',
        );
      }),
    );
    results.tree = {
      source: tree.source,
      ...(tree.ref ? { ref: tree.ref } : {}),
      baseCommit: tree.baseCommit,
      baseFrom: base.why,
    };
    progress.info(
      `tree ready at ${tree.baseCommit.slice(0, 12)} in ${((Date.now() - t0) / 1000).toFixed(1)}s` +
        `${tree.how ? ` (${tree.how})` : ''}`,
    );

    const baseCacheDir = settings.baseCache ? path.join(settings.cacheDir, 'base') : undefined;
    const boot = {
      guestDir: settings.guestDir,
      cacheDir: settings.cacheDir,
      ...(baseCacheDir ? { baseCacheDir } : {}),
      bootTimeoutMs: settings.bootTimeoutMs,
      scenarioTimeoutMs: settings.scenarioTimeoutMs,
      suites: settings.suites,
      suiteReruns: settings.suiteReruns,
      suiteTimeoutMs: settings.suiteTimeoutMs,
      ...(settings.scenarios ? { scenarios: settings.scenarios } : {}),
    };
    const ctx: RunContext = {
      settings: { ...settings, cells, boot, ...(baseCacheDir ? { baseCacheDir } : {}) },
      tree,
      series,
      workDir,
      outDir: settings.outDir,
      progress,
    };
    const wanted = new Set<StageName>(settings.stages);
    const kept = settings.continueRun
      ? (await earlierStages(settings.outDir, tree.baseCommit, results.series)).filter((s) => !wanted.has(s.name))
      : [];
    results.stages = [...kept];
    const handoffs = await keptHandoffs(workDir, tree.baseCommit, kept);
    // before the first long step: a stage whose tools are missing is an error now, and nothing but apply runs
    const blocked = blockedStages(
      await checkStages(
        [...wanted],
        cells.map((c) => c.arch),
      ),
    );
    for (const name of STAGE_ORDER) {
      const stage = STAGES[name];
      if (!wanted.has(name)) continue;
      if (blocked.size && (stage.name !== 'apply' || blocked.has('apply'))) {
        const problem = blocked.get(stage.name);
        const [first, why] = [...blocked][0]!;
        results.stages.push({
          name: stage.name,
          status: problem ? 'error' : 'skip',
          durationMs: 0,
          summary: problem ?? `not run: ${first} cannot run here (${why})`,
          findings: [],
        });
        progress.stageEnd(stage.name, problem ? 'error' : 'skip', results.stages.at(-1)!.summary, 0);
        continue;
      }
      results.stages.push(await runStage(stage, ctx, results.stages, handoffs));
    }
    results.stages.sort(inStageOrder);
    results.verdict = overallVerdict(results.stages);
    const reason = verdictReason(results.stages);
    if (reason) results.reason = reason;
    if (settings.previous && previous !== undefined) {
      const patchedCommit = handoffs.apply?.patchedCommit;
      const failed = (why: string) => ({
        from: settings.previous!,
        findingsKnown: false,
        rangeDiffWhy: why,
        fixed: [],
        added: [],
        remaining: [],
      });
      // what changed since the previous version is told, never judged: a comparison that fails leaves the verdict
      results.previous =
        typeof previous === 'string'
          ? failed(previous)
          : await previousVersion({
              previous,
              git: tree.git,
              workDir,
              baseCommit: tree.baseCommit,
              ...(patchedCommit ? { patchedCommit } : {}),
              results,
            }).catch((error: unknown) => failed(oneLine(error)));
    }
  } catch (error) {
    results.verdict = 'error';
    results.reason = error instanceof RunError ? oneLine(error) : await recordInternalError(settings.outDir, error);
  }
  await writeResults(settings.outDir, results).catch((error: NodeJS.ErrnoException) => {
    throw infraError(`cannot write results to ${settings.outDir}: ${error.code ?? error.message}`);
  });
  return results;
}
