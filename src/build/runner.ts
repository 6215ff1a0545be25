// One build cell's I/O: configure, build the base, compile after each patch, build the patched tree, keep the
// kernels. What happened comes back as a plain record for build/judge.ts; nothing here decides a verdict.
import { copyFile, mkdir, readFile, stat, writeFile, appendFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { BuildCellMetrics } from '../results/model.js';
import type { Cell } from '../kernel/cells.js';
import { archOf } from '../kernel/arches.js';
import { buildRuleFor, definedSymbols, droppedSymbols, parseConfig, setsObjectCflags } from '../kernel/kconfig.js';
import { locate, type Located } from '../findings/locate.js';
import { parseDiagnostics, parseLinkErrors, type Diagnostic } from '../tools/gcc-diagnostics.js';
import {
  configureCommands,
  configureFromFragment,
  firstError,
  make,
  makeInvocation,
  type KbuildOptions,
} from '../tools/kbuild.js';
import { commandLine } from '../tools/shell-quote.js';
import { hitRate, parseStatsLog } from '../tools/ccache.js';
import type { ExecResult } from '../tools/exec.js';
import type { Git } from '../tools/git.js';
import type { Progress } from '../report/progress.js';
import type { Patch } from '../series/intake.js';
import { touchedCFiles } from '../series/touched.js';
import { cellArtifacts, type CellKernels } from './artifacts.js';
import { judgeAdditions, writeSeriesFragment, type SeriesAdditions } from './series-config.js';
import { compiledLines, type FileLines } from './line-proof.js';
import type { BuildRecord } from './judge.js';
import type { EntryStore } from '../cache/entries.js';
import { baseBuildKeyOf, restoreBaseBuild, saveBaseBuild } from './base-cache.js';

/** What the build stage works out once for the series and hands to every cell. */
export interface SeriesForCell {
  patches: readonly Patch[];
  /** The commit after each patch; the last is the patched tree. */
  commits: readonly string[];
  baseCommit: string;
  /** The symbols this cell is asked to add for the changed files (same for its base and patched builds). */
  additions: SeriesAdditions;
  /** Whether the tree has CONFIG_WERROR (turned off: a warning must not stop the analysis). */
  definesWerror: boolean;
  /** Added lines of each changed .c file, in the patched tree. */
  changedLines: Map<string, number[]>;
}

export interface BuildCellInput {
  cell: Cell;
  /** make's options without the cell's own O= and ARCH=. */
  kbuild: Omit<KbuildOptions, 'buildDir' | 'arch'>;
  git: Git;
  treeDir: string;
  outDir: string;
  workDir: string;
  series: SeriesForCell;
  progress: Progress;
  /** Bases kept between runs, with this cell's compiler (a key part); undefined: the base always builds. */
  baseCache?: { store: EntryStore; compiler: string };
}

export interface BuildCellRun {
  record: BuildRecord;
  metrics: BuildCellMetrics;
  kernels: CellKernels;
  /** Every make of the cell as a shell line, for the reproduce block of a failing cell. */
  commands: string[];
}

interface CellMakes {
  input: BuildCellInput;
  options: KbuildOptions;
  log: string;
  /** Make variables given to every make of the cell (gcov profiling of the touched objects). */
  vars: string[];
  commands: string[];
}

/** The makes of a failing cell, last REPRODUCE_MAKES of them, after where its .config is kept. */
const REPRODUCE_MAKES = 6;
export function reproduceBuild(cell: Cell, artifactsDir: string, commands: readonly string[]): string[] {
  const configure = commands.slice(0, 4);
  const makes = commands.slice(4).slice(-2 * REPRODUCE_MAKES);
  const header = `# ${cell.name} (ARCH=${cell.arch}), the .config as built: ${path.join(artifactsDir, 'config')}`;
  return [header, ...configure, ...makes];
}

/** make with its output appended to the cell's build log and its ccache calls counted in a phase's stats log. */
async function step(run: CellMakes, label: string, args: string[], phase: string): Promise<ExecResult> {
  args = [...args, ...run.vars];
  await appendFile(run.log, `\n### ${label}: make ${args.join(' ')}\n`);
  const invocation = makeInvocation(run.options, args);
  run.commands.push(`# ${label}`, commandLine(invocation.argv, invocation.env));
  const statsLog = path.join(run.options.buildDir, `.kpci-ccache-${phase}.log`);
  const ccache = run.options.ccache && { ...run.options.ccache, CCACHE_STATSLOG: statsLog };
  const result = await run.input.progress.alive(
    `${label} (${run.input.cell.name})`,
    make({ ...run.options, ccache }, args),
  );
  const killed = result.timedOut ? `\n### killed after ${run.options.timeoutMs / 1000}s\n` : '';
  await appendFile(run.log, result.stdout + result.stderr + killed);
  return result;
}

async function phaseHitRate(run: CellMakes, phase: string): Promise<number | undefined> {
  const text = await readFile(path.join(run.options.buildDir, `.kpci-ccache-${phase}.log`), 'utf8').catch(() => '');
  return hitRate(parseStatsLog(text));
}

async function clearStats(run: CellMakes, ...phases: string[]): Promise<void> {
  for (const phase of phases) await rm(path.join(run.options.buildDir, `.kpci-ccache-${phase}.log`), { force: true });
}

/** The image and vmlinux just built, where the boot stage looks for them (the base kernel in its own folder). */
async function keepKernel(
  run: CellMakes,
  kind: 'base' | 'patched',
): Promise<{ image: string; vmlinux: string } | undefined> {
  const paths = cellArtifacts(run.input.outDir, run.input.workDir, run.input.cell.name);
  const [image, vmlinux] = kind === 'base' ? [paths.baseBzImage, paths.baseVmlinux] : [paths.bzImage, paths.vmlinux];
  await mkdir(path.dirname(image), { recursive: true });
  for (const f of [image, vmlinux]) await rm(f, { force: true }); // a failed build must not leave an old kernel behind
  const built = path.join(run.options.buildDir, archOf(run.input.cell.arch).imagePath);
  if (!existsSync(built)) return undefined;
  await copyFile(built, image);
  await copyFile(path.join(run.options.buildDir, 'vmlinux'), vmlinux).catch(() => undefined);
  return { image, vmlinux };
}

/** Each object's .gcno as the base build left it, under to/ at its O= path (none: nothing was profiled). */
async function keepBaseNotes(buildDir: string, objects: readonly string[], to: string): Promise<void> {
  await rm(to, { recursive: true, force: true });
  for (const o of objects) {
    const notes = path.join(buildDir, o.replace(/\.o$/, '.gcno'));
    if (!existsSync(notes)) continue;
    await mkdir(path.dirname(path.join(to, o)), { recursive: true });
    await copyFile(notes, path.join(to, o.replace(/\.o$/, '.gcno')));
  }
}

function failure(result: ExecResult, run: CellMakes): string {
  return result.timedOut ? `killed after the ${run.options.timeoutMs / 1000}s step timeout` : firstError(result);
}

/** gcc/sparse-style diagnostics plus linker errors, as located diagnostics of this revision. */
/**
 * Pure: a build log's compiler diagnostics (notes dropped) and linker errors. ld names a source by its basename only,
 * so an undefined reference is given to the series' own file of that name when there is one.
 */
export function buildDiagnostics(
  log: string,
  treeDir: string,
  buildDir: string,
  touched: readonly string[],
): Diagnostic[] {
  const diags = parseDiagnostics(log, treeDir, buildDir).filter((d) => d.severity !== 'info');
  for (const link of parseLinkErrors(log)) {
    const file =
      touched.find((f) => link.source && path.basename(f) === link.source) ?? link.object.replace(/\.o$/, '.c');
    diags.push({ file, line: link.line ?? 0, severity: 'error', message: link.message, fromLinker: true });
  }
  return diags;
}

/** Pure: W=1 and the normal build report the same warning twice; keep one per fingerprint and line. */
export function onePerLine(located: readonly Located[]): Located[] {
  const seen = new Set<string>();
  return located.filter((d) => {
    const id = `${d.key}@${d.line}`;
    return seen.has(id) ? false : (seen.add(id), true);
  });
}

/** The makes' diagnostics as located diagnostics of the revision checked out now. */
async function diagnosticsOf(run: CellMakes, results: ExecResult[]): Promise<Located[]> {
  const log = results.map((r) => r.stdout + r.stderr).join('\n');
  const touched = touchedCFiles(run.input.series.patches);
  const diags = buildDiagnostics(log, run.input.treeDir, run.options.buildDir, touched);
  return onePerLine(await locate(diags, run.input.treeDir));
}

/** Objects of touched files that this cell's .config builds (compiling an object Kconfig leaves off proves nothing). */
async function enabledObjects(treeDir: string, files: string[], config: Map<string, string>): Promise<string[]> {
  const objects: string[] = [];
  for (const file of files) {
    const rule = await buildRuleFor(treeDir, file);
    const on = rule.kind === 'always' || (rule.kind === 'symbols' && rule.symbols.every((s) => config.get(s) === 'y'));
    if (on) objects.push(file.replace(/\.c$/, '.o'));
  }
  return objects;
}

export async function runBuildCell(input: BuildCellInput): Promise<BuildCellRun> {
  const { cell, git, series } = input;
  const paths = cellArtifacts(input.outDir, input.workDir, cell.name);
  const run: CellMakes = {
    input,
    options: { ...input.kbuild, buildDir: paths.buildDir, arch: cell.arch },
    log: path.join(paths.dir, 'build.log'),
    vars: [],
    commands: [],
  };
  await mkdir(run.options.buildDir, { recursive: true });
  await mkdir(paths.dir, { recursive: true });
  // no stale kernel
  for (const f of [paths.bzImage, paths.vmlinux, paths.baseBzImage, paths.baseVmlinux]) await rm(f, { force: true });
  await writeFile(run.log, `# kernel-patch-ci build log for ${cell.name} (ARCH=${cell.arch})\n`);
  const metrics: BuildCellMetrics = {
    configureMs: 0,
    baseBuildMs: 0,
    perPatchMs: 0,
    patchedBuildMs: 0,
    ccacheHitRate: {},
  };
  const kernels: CellKernels = { dir: paths.dir, buildDir: paths.buildDir };
  const record: BuildRecord = {
    cell: cell.name,
    fragment: path.basename(cell.fragmentPath),
    dropped: [],
    additions: { added: [], refused: [] },
    objects: [],
    base: [],
    patched: [],
    bisect: [],
    patchedImage: { ok: false, timedOut: false },
    changedAt: 0,
    objectMtimes: {},
    lines: new Map<string, FileLines>(),
  };
  const done = (): BuildCellRun => ({ record, metrics, kernels, commands: run.commands });
  await git.run(['checkout', '--quiet', '--detach', series.baseCommit]);

  // 1. configure (the fragment, then what the series needs), and what Kconfig dropped of the fragment's symbols;
  // or the O= dir of a base an earlier run built from the same parts, restored as that run left it
  let t = Date.now();
  const seriesFragment = path.join(paths.dir, 'series.config');
  await writeSeriesFragment(seriesFragment, series.additions, series.definesWerror);
  const fragments = [cell.fragmentPath, seriesFragment];
  run.commands.push(
    '# configure: tinyconfig, the fragments merged, olddefconfig',
    ...configureCommands(run.options, fragments),
  );
  const cache = input.baseCache;
  const key = cache
    ? await baseBuildKeyOf({
        baseCommit: series.baseCommit,
        cell: cell.name,
        arch: cell.arch,
        fragmentFile: cell.fragmentPath,
        seriesFragmentFile: seriesFragment,
        compiler: cache.compiler,
        touched: touchedCFiles(series.patches),
      })
    : undefined;
  const basePaths = { image: paths.baseBzImage, vmlinux: paths.baseVmlinux, gcnoDir: paths.baseGcno };
  const restored = cache && key ? await restoreBaseBuild(cache.store, key, run.options.buildDir, basePaths) : undefined;
  if (restored) metrics.baseCache = restored.use;
  const configFailed = restored?.use.hit ? undefined : await configureFromFragment(run.options, fragments);
  metrics.configureMs = Date.now() - t;
  if (configFailed) {
    record.stopped = { phase: 'configure', failure: failure(configFailed, run) };
    return done();
  }
  const configText = await readFile(path.join(run.options.buildDir, '.config'), 'utf8');
  await writeFile(path.join(paths.dir, 'config'), configText);
  const config = parseConfig(configText);
  const dropped = droppedSymbols(cell.wanted, config);
  const defined = await definedSymbols(
    git,
    dropped.map((d) => d.symbol),
  );
  record.dropped = dropped.map((d) => ({ ...d, defined: defined.has(d.symbol) }));
  record.additions = judgeAdditions(series.additions, config);

  // 2. the base: full image, then the touched objects again with W=1
  const objects = (record.objects = await enabledObjects(input.treeDir, touchedCFiles(series.patches), config));
  // gcov notes for the touched objects, so the boot stage can tell which changed lines ran; the same variables on
  // every make keep base and patched objects built alike (and ccache hits shared)
  if (config.get('GCOV_KERNEL') === 'y') run.vars = objects.map((o) => `GCOV_PROFILE_${path.basename(o)}=y`);
  // debug info for the touched objects only, so that the boot stage's decoded stack traces give their line numbers
  // (for the whole kernel it would cost minutes per build)
  for (const o of objects)
    if (!(await setsObjectCflags(input.treeDir, o))) run.vars.push(`CFLAGS_${path.basename(o)}=-g`);
  await clearStats(run, 'base', 'per-patch', 'patched');
  const image = archOf(cell.arch).imageTarget;
  if (restored?.use.hit) {
    record.base = restored.diagnostics ?? [];
    kernels.base = basePaths;
    run.commands.push(`# the base: restored from the base cache (key ${key}), as an earlier run built it`);
  } else {
    t = Date.now();
    const baseImage = await step(run, 'base build', [image], 'base');
    if (baseImage.code !== 0) {
      record.stopped = { phase: 'base', failure: failure(baseImage, run) };
      return done();
    }
    // the notes of the objects in the base image: W=1 compiles them again with another stamp
    await keepBaseNotes(run.options.buildDir, objects, paths.baseGcno);
    const baseW1 = objects.length ? await step(run, 'base W=1', ['W=1', ...objects], 'base') : undefined;
    record.base = await diagnosticsOf(run, [baseImage, ...(baseW1 ? [baseW1] : [])]);
    metrics.baseBuildMs = Date.now() - t;
    const baseKernel = await keepKernel(run, 'base');
    if (baseKernel) kernels.base = { ...baseKernel, gcnoDir: paths.baseGcno };
    metrics.ccacheHitRate.base = await phaseHitRate(run, 'base');
    // kept before any patched make changes the O= dir; a timed-out or failed step never gets here
    if (cache && key && baseKernel && metrics.baseCache)
      metrics.baseCache.saved = await saveBaseBuild(
        cache.store,
        key,
        run.options.buildDir,
        { ...baseKernel, gcnoDir: paths.baseGcno },
        record.base,
      );
  }

  // 3. bisectability: every intermediate tree compiles what the series touched so far
  t = Date.now();
  for (let i = 0; i < series.commits.length - 1; i++) {
    const touchedSoFar = await enabledObjects(input.treeDir, touchedCFiles(series.patches.slice(0, i + 1)), config);
    if (touchedSoFar.length === 0) continue;
    await git.run(['checkout', '--quiet', '--detach', series.commits[i]!]);
    const partial = await step(run, `after patch ${i + 1}`, touchedSoFar, 'per-patch');
    if (partial.code !== 0) record.bisect.push({ patch: i + 1, failure: failure(partial, run) });
  }
  metrics.perPatchMs = Date.now() - t;

  // 4. the patched tree: touched objects with W=1, then the full image
  await git.run(['checkout', '--quiet', '--detach', series.commits.at(-1)!]);
  record.changedAt = Date.now();
  t = Date.now();
  const patchedW1 = objects.length ? await step(run, 'patched W=1', ['W=1', ...objects], 'patched') : undefined;
  const patchedImage = await step(run, 'patched build', [image], 'patched');
  metrics.patchedBuildMs = Date.now() - t;
  metrics.ccacheHitRate.patched = await phaseHitRate(run, 'patched');
  record.ccacheHitRate = metrics.ccacheHitRate.patched;
  record.patched = await diagnosticsOf(run, [...(patchedW1 ? [patchedW1] : []), patchedImage]);
  record.patchedImage = {
    ok: patchedImage.code === 0,
    timedOut: patchedImage.timedOut,
    ...(patchedImage.code !== 0 ? { failure: failure(patchedImage, run) } : {}),
  };

  // 5. what the proof of compile needs: the objects' mtimes, and which changed lines they contain
  for (const obj of objects)
    record.objectMtimes[obj] = (await stat(path.join(run.options.buildDir, obj)).catch(() => undefined))?.mtimeMs;
  record.lines = await compiledLines(
    input.treeDir,
    run.options.buildDir,
    series.changedLines,
    objects,
    run.options.timeoutMs,
  );

  // 6. the kernels for the boot stage and for decoding stack traces
  if (patchedImage.code === 0) {
    const patchedKernel = await keepKernel(run, 'patched');
    if (patchedKernel) kernels.patched = patchedKernel;
  }
  return done();
}
