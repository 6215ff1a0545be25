// The Action's entry. action.yml runs one step per stage, each `node dist/index.js <step>`, so the log shows every
// stage with its own time and a broken stage turns its own step red: `prepare` (inputs, series, the tree cache's
// key), `apply`, `stage <name>`, `report` (summary, annotations, comment, outputs, verdict); `aggregate` merges a
// matrix's results first. Between them action.yml restores and saves the caches with the keys these steps output.
import * as core from '@actions/core';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RunError, oneLine } from '../errors.js';
import { runPipeline } from '../pipeline.js';
import { stderrProgress } from '../report/progress.js';
import { exitCodeFor } from '../results/verdict.js';
import type { Results, StageName } from '../results/model.js';
import { mergeResults } from '../results/merge.js';
import { errorResults, readResultsFile, writeResults } from '../results/store.js';
import { parseRunArgs, parseStages } from '../settings.js';
import { classifyTree, DEFAULT_TREE_URL } from '../tree/source.js';
import { resolveCells, type Cell } from '../kernel/cells.js';
import { guestOf } from '../kernel/arches.js';
import { gccVersion } from '../tools/gcc.js';
import {
  actionOutDir,
  artifactName,
  cliArguments,
  fallbackSettings,
  readActionInputs,
  type ActionSettings,
} from './inputs.js';
import { seriesFromEvent } from './event.js';
import {
  cacheOutputs,
  ccacheSpec,
  defaultCcacheSize,
  guestSpec,
  baseSpec,
  noCacheOutputs,
  treeCacheDir,
  treeSpec,
  type CacheSpec,
} from './cache.js';
import { failureGroups, stageBroke } from './logs.js';
import { runnerProblem } from './runner.js';
import { publishResults, type GitHubDeps, defaultGitHub } from './publish.js';

export interface ActionDeps {
  github: GitHubDeps;
}

const defaultDeps: ActionDeps = { github: defaultGitHub };

/** What `prepare` learnt, for the steps after it (each is a new process). */
interface RunState {
  outDir: string;
  settings?: ActionSettings;
  argv: string[];
  stages: StageName[];
  baseCommit?: string;
  /** Set when the run cannot go on (bad input, unreachable tree): later steps only report. */
  aborted?: string;
}

const statePath = (outDir: string) => path.join(outDir, 'action', 'state.json');
const runnerOs = (env: NodeJS.ProcessEnv) => (env.RUNNER_OS ?? process.platform).toLowerCase();

/**
 * One step of the run: the pipeline as a library, its progress lines in the step's log. Its results, which it has
 * also written to the out dir; undefined only when even that failed (the out dir is not writable).
 */
async function runPipelineStep(argv: string[], env: NodeJS.ProcessEnv): Promise<Results | undefined> {
  const settings = parseRunArgs(argv, env); // checked by prepare: a failure here is a bug, reported as one line
  return runPipeline(
    settings,
    stderrProgress((line) => core.info(line)),
  ).catch((error: unknown) => {
    core.error(`kernel-patch-ci: ${oneLine(error)}`);
    return undefined;
  });
}

function setOutputs(outputs: Record<string, string>): void {
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
}

/** The tree cache of the run's tree input; undefined for a local checkout, which is only borrowed. */
async function treeCache(
  settings: ActionSettings,
  env: NodeJS.ProcessEnv,
  baseCommit?: string,
): Promise<CacheSpec | undefined> {
  const tree = settings.tree ?? DEFAULT_TREE_URL;
  const source = await classifyTree(tree).catch(() => undefined);
  const dir = source && (await treeCacheDir(source, settings.cacheDir).catch(() => undefined));
  return dir
    ? treeSpec({
        os: runnerOs(env),
        source: tree,
        ...(settings.ref ? { ref: settings.ref } : {}),
        dir,
        ...(baseCommit ? { baseCommit } : {}),
      })
    : undefined;
}

/** Inputs, series and the tree cache's key: everything before the tree is touched, so the tree can be restored. */
async function prepare(env: NodeJS.ProcessEnv): Promise<RunState> {
  const state: RunState = { outDir: actionOutDir(env), argv: [], stages: [] };
  await mkdir(path.dirname(statePath(state.outDir)), { recursive: true });
  setOutputs({ ...noCacheOutputs('tree'), 'artifact-name': artifactName(env) });
  try {
    const settings = (state.settings = await readActionInputs(env));
    let series = settings.series;
    if (series.length === 0) {
      if (!settings.eventPath)
        throw new RunError('no series input and no event to take it from (GITHUB_EVENT_PATH)', 'usage');
      const event = JSON.parse(await readFile(settings.eventPath, 'utf8')) as Record<string, unknown>;
      const found = await seriesFromEvent({
        eventName: settings.eventName,
        event,
        workspace: settings.workspace,
        outDir: settings.outDir,
        tree: settings.tree ?? DEFAULT_TREE_URL,
        ...(settings.ref ? { treeRef: settings.ref } : {}),
      });
      core.info(`series: ${found.count} commit${found.count === 1 ? '' : 's'} from ${found.how}`);
      series = [found.dir];
    }
    state.stages = parseStages(settings.stages);
    const cells = await resolveCells(parseRunArgs(cliArguments(settings, series), env).configs);
    state.argv = cliArguments(
      { ...settings, ccacheSize: settings.ccacheSize ?? defaultCcacheSize(cells.length) },
      series,
    );
    parseRunArgs([...state.argv, '--stages', state.stages.join(',')], env); // every input checked now, not at its step
    const tree = await treeCache(settings, env);
    if (tree) setOutputs(cacheOutputs('tree', tree));
    core.info(
      tree
        ? `cache: kernel tree under ${tree.paths[0]}, key ${tree.key}`
        : 'cache: the tree is a local checkout, nothing to cache',
    );
  } catch (error) {
    state.aborted = oneLine(error);
    await writeResults(state.outDir, errorResults(state.aborted, state.settings?.tree));
  }
  return state;
}

const compilerVersion = async () => (await gccVersion()) ?? 'no gcc';

/** The guest cache's arches: the cells this tool can boot, by their Debian names. */
const guestArches = (cells: readonly Cell[]) => cells.flatMap((c) => guestOf(c.arch)?.debianArch ?? []);

/** Apply the series; then the keys the tree save, and the ccache and guest restores, need (from the base commit). */
async function applyStep(state: RunState, env: NodeJS.ProcessEnv): Promise<void> {
  setOutputs({
    'tree-save-key': '',
    ...noCacheOutputs('ccache'),
    ...noCacheOutputs('guest'),
    ...noCacheOutputs('base'),
  });
  if (state.aborted) return core.info(`apply: not run, the run stopped earlier: ${state.aborted}`);
  const settings = state.settings!;
  const results = await runPipelineStep([...stepArguments(state.argv, 'apply'), '--stages', 'apply'], env);
  state.baseCommit = results?.tree.baseCommit;
  if (!results || exitCodeFor(results) === 2) state.aborted = results?.reason ?? 'the run could not be done';
  if (state.baseCommit) {
    const tree = await treeCache(settings, env, state.baseCommit);
    if (tree) core.setOutput('tree-save-key', tree.key);
  }
  const parsed = parseRunArgs([...state.argv, '--stages', state.stages.join(',')], env);
  const cells = await resolveCells(parsed.configs);
  const os = runnerOs(env);
  if (!state.aborted && state.baseCommit && state.stages.includes('build')) {
    const compiler = await compilerVersion();
    setOutputs(
      cacheOutputs(
        'base',
        await baseSpec({ os, cells, compiler, baseCommit: state.baseCommit, cacheDir: settings.cacheDir }),
      ),
    );
    setOutputs(
      cacheOutputs(
        'ccache',
        await ccacheSpec({
          os,
          cells,
          compiler: await compilerVersion(),
          baseCommit: state.baseCommit,
          ccacheDir: parsed.ccacheDir,
        }),
      ),
    );
  }
  if (!state.aborted && state.stages.includes('boot')) {
    setOutputs(
      cacheOutputs(
        'guest',
        await guestSpec({ os, arches: guestArches(cells), guestDir: parsed.guestDir, cacheDir: settings.cacheDir }),
      ),
    );
  }
  await markBroken('apply', results, settings.outDir, state.aborted);
}

/** The run's arguments for one step: the config matrix only for the steps that build or boot it. */
export function stepArguments(argv: readonly string[], stage: string): string[] {
  if (stage === 'build' || stage === 'boot') return [...argv];
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--configs') i++;
    else out.push(argv[i]!);
  }
  return out;
}

/** A stage that failed or errored turns its own step red, with the tails of the logs that say why. */
async function markBroken(
  name: StageName,
  results: Results | undefined,
  outDir: string,
  aborted?: string,
): Promise<void> {
  const stage = results?.stages.find((s) => s.name === name);
  if (!stageBroke(stage) && !(name === 'apply' && aborted)) return;
  for (const group of results ? await failureGroups(results, name, outDir) : []) {
    core.startGroup(group.title);
    core.info(group.body);
    core.endGroup();
  }
  core.info(
    `${name}: ${stage?.status ?? 'error'}` +
      `${stage?.summary ? ` — ${stage.summary}` : aborted ? ` — ${aborted}` : ''}`,
  );
  process.exitCode = 1;
}

/** The base cache's save key after the boot step: the entries the build and boot steps left (none: no save). */
async function baseSaveKey(state: RunState, env: NodeJS.ProcessEnv): Promise<string> {
  if (!state.baseCommit || !state.stages.includes('build') || !state.settings) return '';
  const parsed = parseRunArgs([...state.argv, '--stages', state.stages.join(',')], env);
  const spec = await baseSpec({
    os: runnerOs(env),
    cells: await resolveCells(parsed.configs),
    compiler: await compilerVersion(),
    baseCommit: state.baseCommit,
    cacheDir: state.settings.cacheDir,
  });
  return spec.key.endsWith('-none') ? '' : spec.key;
}

async function runStageStep(name: string, state: RunState, env: NodeJS.ProcessEnv): Promise<void> {
  await runOneStage(name, state, env);
  if (name === 'boot') core.setOutput('base-save-key', await baseSaveKey(state, env));
}

async function runOneStage(name: string, state: RunState, env: NodeJS.ProcessEnv): Promise<void> {
  if (name === 'boot') core.setOutput('guest-save-key', '');
  if (state.aborted) return core.info(`${name}: not run, the run stopped earlier: ${state.aborted}`);
  if (!state.stages.includes(name as StageName))
    return core.info(`${name}: not asked for (stages: ${state.stages.join(', ')})`);
  const settings = state.settings!;
  const argv = [...stepArguments(state.argv, name), '--stages', name, '--continue'];
  const results = await runPipelineStep(argv, env);
  if (name === 'boot') {
    // the archives now in the cache carry the resolved versions: a new Debian point release saves a new entry
    const parsed = parseRunArgs(argv, env);
    const arches = guestArches(await resolveCells(parsed.configs));
    core.setOutput(
      'guest-save-key',
      (await guestSpec({ os: runnerOs(env), arches, guestDir: parsed.guestDir, cacheDir: settings.cacheDir })).key,
    );
  }
  await markBroken(name as StageName, results, settings.outDir);
}

/** The token stays in the env of the steps that need it, never on disk. */
async function saveState(state: RunState): Promise<void> {
  await writeFile(
    statePath(state.outDir),
    JSON.stringify({ ...state, ...(state.settings ? { settings: { ...state.settings, token: '' } } : {}) }, null, 2),
  );
}

async function loadState(env: NodeJS.ProcessEnv): Promise<RunState> {
  const text = await readFile(statePath(actionOutDir(env)), 'utf8').catch(() => undefined);
  if (!text) throw new RunError('the prepare step has not run (it must come first)', 'usage');
  return JSON.parse(text) as RunState;
}

/** Every results.json under a directory (download-artifact gives each job's in its own folder), sorted by path. */
async function findResults(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(path.join(d, e.name));
      else if (e.name === 'results.json') found.push(path.join(d, e.name));
    }
  };
  if (existsSync(dir)) await walk(dir);
  return found.sort();
}

async function aggregate(env: NodeJS.ProcessEnv, settings: ActionSettings): Promise<void> {
  const dir = path.resolve(settings.workspace, env.KPCI_RESULTS_DIR?.trim() || 'kernel-patch-ci-results');
  const files = await findResults(dir);
  core.info(`aggregate: ${files.length} results file${files.length === 1 ? '' : 's'} under ${dir}`);
  try {
    const all = await Promise.all(files.map(async (f) => (await readResultsFile(f))!));
    await writeResults(settings.outDir, mergeResults(all));
  } catch (error) {
    await writeResults(settings.outDir, errorResults(oneLine(error)));
  }
}

/** The inputs for reporting; bad ones still leave a summary, the outputs and the verdict (and say why). */
async function reportSettings(env: NodeJS.ProcessEnv): Promise<ActionSettings> {
  try {
    return await readActionInputs(env);
  } catch (error) {
    core.error(`kernel-patch-ci: ${oneLine(error)}`);
    return fallbackSettings(env);
  }
}

export async function run(
  argv: readonly string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
  deps: ActionDeps = defaultDeps,
): Promise<void> {
  const [step, name] = argv;
  try {
    if (step === 'prepare' || step === undefined) {
      const state = await prepare(env);
      await saveState(state);
      core.setOutput('results', path.join(state.outDir, 'results.json'));
      if (step === 'prepare') return;
      await applyStep(state, env);
      for (const stage of state.stages.filter((s) => s !== 'apply')) await runStageStep(stage, state, env);
      return await publishResults(await reportSettings(env), env, deps.github);
    }
    if (step === 'apply') {
      const state = await loadState(env);
      await applyStep(state, env);
      return await saveState(state);
    }
    if (step === 'stage') {
      if (!name) throw new RunError('usage: index.js stage <name>', 'usage');
      return await runStageStep(name, await loadState(env), env);
    }
    if (step === 'check-runner') {
      const problem = runnerProblem({
        platform: process.platform,
        node: process.versions.node,
        ...(env.RUNNER_OS ? { runnerOs: env.RUNNER_OS } : {}),
      });
      if (problem) throw new RunError(problem, 'usage');
      return core.info(`runner: ${env.RUNNER_OS ?? process.platform}, Node ${process.versions.node}`);
    }
    if (step === 'report') return await publishResults(await reportSettings(env), env, deps.github);
    if (step === 'aggregate') {
      const settings = await reportSettings(env);
      await aggregate(env, settings);
      return await publishResults(settings, env, deps.github);
    }
    throw new RunError(
      `unknown step ${JSON.stringify(step)} (check-runner, prepare, apply, stage <name>, report, aggregate)`,
      'usage',
    );
  } catch (error) {
    core.setFailed(oneLine(error));
  }
}
