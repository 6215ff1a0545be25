// The Action's entry. action.yml runs one step per stage, each `node dist/index.js <step>`, so the log shows every
// stage with its own time: `prepare` (inputs, series, tree, apply), `stage <name>`, `report` (summary, annotations,
// comment, outputs, verdict); `aggregate` merges a matrix's results first; no step name runs them all in one.
import * as core from '@actions/core';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RunError, oneLine } from '../errors.js';
import { main as cli } from '../cli/main.js';
import type { Results, StageName } from '../results/model.js';
import { mergeResults } from '../results/merge.js';
import { errorResults, readResults, writeResults } from '../results/write.js';
import { parseRunArgs, parseStages } from '../settings.js';
import { classifyTree, DEFAULT_TREE_URL } from '../tree/source.js';
import { resolveCells } from '../kernel/cells.js';
import { execTool } from '../tools/exec.js';
import { actionOutDir, cliArguments, fallbackSettings, readActionInputs, type ActionSettings } from './inputs.js';
import { seriesFromEvent } from './event.js';
import { ccacheSpec, githubCache, guestSpec, restoreFromCache, saveToCache, treeCacheDir, treeSpec, type CacheService } from './cache.js';
import { publishResults, type GitHubDeps, defaultGitHub } from './publish.js';

export interface ActionDeps {
  cache: CacheService;
  github: GitHubDeps;
}

const defaultDeps: ActionDeps = { cache: githubCache, github: defaultGitHub };

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
const log = { info: (m: string) => core.info(m), notice: (m: string) => core.notice(m) };
const runnerOs = (env: NodeJS.ProcessEnv) => (env.RUNNER_OS ?? process.platform).toLowerCase();

/** The CLI in-process; its progress lines go to the step's log. */
async function runCli(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return cli(['run', ...argv], { out: (l) => core.info(l), err: (l) => core.info(l), env });
}

async function prepare(env: NodeJS.ProcessEnv, deps: ActionDeps): Promise<RunState> {
  const state: RunState = { outDir: actionOutDir(env), argv: [], stages: [] };
  await mkdir(path.dirname(statePath(state.outDir)), { recursive: true });
  let settings: ActionSettings;
  try {
    settings = state.settings = await readActionInputs(env);
    let series = settings.series;
    if (series.length === 0) {
      if (!settings.eventPath) throw new RunError('no series input and no event to take it from (GITHUB_EVENT_PATH)', 'usage');
      const event = JSON.parse(await readFile(settings.eventPath, 'utf8')) as Record<string, unknown>;
      const found = await seriesFromEvent({ eventName: settings.eventName, event, workspace: settings.workspace, outDir: settings.outDir, tree: settings.tree ?? DEFAULT_TREE_URL, ...(settings.ref ? { treeRef: settings.ref } : {}) });
      core.info(`series: ${found.count} commit${found.count === 1 ? '' : 's'} from ${found.how}`);
      series = [found.dir];
    }
    state.argv = cliArguments(settings, series);
    state.stages = parseStages(settings.stages);
    parseRunArgs([...state.argv, '--stages', state.stages.join(',')], env); // every input checked now, not at its step
  } catch (error) {
    state.aborted = oneLine(error);
    await writeResults(state.outDir, errorResults(state.aborted, state.settings?.tree));
    return state;
  }

  const source = await classifyTree(settings.tree ?? DEFAULT_TREE_URL).catch(() => undefined);
  const treeDir = source && treeCacheDir(source, settings.cacheDir);
  const spec = (baseCommit?: string) => treeSpec({ os: runnerOs(env), source: settings.tree ?? DEFAULT_TREE_URL, ...(settings.ref ? { ref: settings.ref } : {}), dir: treeDir!, ...(baseCommit ? { baseCommit } : {}) });
  const restored = treeDir ? await restoreFromCache(deps.cache, spec(), log) : undefined;
  const code = await runCli([...state.argv, '--stages', 'apply'], env);
  const results = await readResults(settings.outDir);
  state.baseCommit = results?.tree.baseCommit;
  if (code === 2) state.aborted = results?.reason ?? 'the run could not be done';
  if (treeDir && state.baseCommit) await saveToCache(deps.cache, spec(state.baseCommit), log, restored);
  return state;
}

async function compilerVersion(): Promise<string> {
  const r = await execTool('gcc', ['--version']).catch(() => undefined);
  return r?.stdout.split('\n')[0] ?? 'no gcc';
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

async function runStageStep(name: string, state: RunState, env: NodeJS.ProcessEnv, deps: ActionDeps): Promise<void> {
  if (state.aborted) return core.info(`${name}: not run, the run stopped earlier: ${state.aborted}`);
  if (!state.stages.includes(name as StageName)) return core.info(`${name}: not asked for (stages: ${state.stages.join(', ')})`);
  const settings = state.settings!;
  const os = runnerOs(env);
  const argv = [...stepArguments(state.argv, name), '--stages', name, '--continue'];
  const run = () => runCli(argv, env);
  const parsed = parseRunArgs(argv, env);
  if (name === 'build' && state.baseCommit) {
    const spec = await ccacheSpec({ os, cells: await resolveCells(parsed.configs), compiler: await compilerVersion(), baseCommit: state.baseCommit, ccacheDir: parsed.ccacheDir });
    const restored = await restoreFromCache(deps.cache, spec, log);
    await run();
    await saveToCache(deps.cache, spec, log, restored);
    return;
  }
  if (name === 'boot') {
    const arches = (await resolveCells(parsed.configs)).map((c) => (c.arch === 'x86_64' ? 'amd64' : c.arch));
    const guest = { os, arches, guestDir: parsed.guestDir, cacheDir: settings.cacheDir };
    const before = await guestSpec(guest);
    const restored = await restoreFromCache(deps.cache, before, log);
    await run();
    await saveToCache(deps.cache, await guestSpec(guest), log, restored);
    return;
  }
  await run();
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
    const all = await Promise.all(files.map(async (f) => JSON.parse(await readFile(f, 'utf8')) as Results));
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

export async function run(argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env, deps: ActionDeps = defaultDeps): Promise<void> {
  const [step, name] = argv;
  try {
    if (step === 'prepare' || step === undefined) {
      const state = await prepare(env, deps);
      // the token stays in the env of the steps that need it, never on disk
      await writeFile(statePath(state.outDir), JSON.stringify({ ...state, ...(state.settings ? { settings: { ...state.settings, token: '' } } : {}) }, null, 2));
      core.setOutput('results', path.join(state.outDir, 'results.json'));
      if (step === 'prepare') return;
      for (const stage of state.stages.filter((s) => s !== 'apply')) await runStageStep(stage, state, env, deps);
      return await publishResults(await reportSettings(env), env, deps.github);
    }
    if (step === 'stage') {
      if (!name) throw new RunError('usage: index.js stage <name>', 'usage');
      return await runStageStep(name, await loadState(env), env, deps);
    }
    if (step === 'report') return await publishResults(await reportSettings(env), env, deps.github);
    if (step === 'aggregate') {
      const settings = await reportSettings(env);
      await aggregate(env, settings);
      return await publishResults(settings, env, deps.github);
    }
    throw new RunError(`unknown step ${JSON.stringify(step)} (prepare, stage <name>, report, aggregate)`, 'usage');
  } catch (error) {
    core.setFailed(oneLine(error));
  }
}
