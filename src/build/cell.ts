// One build cell: configure, build the base, compile after each patch, build the patched tree, diff the warnings.
import { copyFile, mkdir, readFile, stat, writeFile, appendFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { CellResult, Finding } from '../results/model.js';
import { statusFromFindings } from '../results/verdict.js';
import type { RunContext } from '../stages/stage.js';
import type { Cell } from '../kernel/cells.js';
import { buildRuleFor, definedSymbols, droppedSymbols, parseConfig, setsObjectCflags } from '../kernel/kconfig.js';
import { compareByFingerprint } from '../findings/fingerprint.js';
import { locate, type Located } from '../findings/locate.js';
import { parseDiagnostics, parseLinkErrors } from '../tools/gcc-diagnostics.js';
import { configureCommands, configureFromFragment, firstError, make, makeInvocation, type KbuildOptions } from '../tools/kbuild.js';
import { commandLine } from '../tools/shell-quote.js';
import { hitRate, parseStatsLog } from '../tools/ccache.js';
import type { ExecResult } from '../tools/exec.js';
import { onlyPatchTouching, touchedCFiles } from '../series/touched.js';
import { cellArtifacts } from './artifacts.js';
import { judgeAdditions, writeSeriesFragment, type AdditionsOutcome, type SeriesAdditions } from './series-config.js';
import { compiledLines, type FileLines } from './line-proof.js';
import { tally } from './line-judge.js';

export interface CellMetrics {
  configureMs: number;
  baseBuildMs: number;
  perPatchMs: number;
  patchedBuildMs: number;
  ccacheHitRate: { base?: number; patched?: number };
}

export interface CellOutcome {
  result: CellResult & { metrics?: CellMetrics; artifacts?: string };
  findings: Finding[];
  /** Touched .c files whose object this cell rebuilt after the change. */
  compiled: string[];
  /** What the preprocessor of this cell kept of each changed file's added lines. */
  lines: Map<string, FileLines>;
}

/** What the build stage works out once for the series and hands to every cell. */
export interface SeriesForCell {
  /** The symbols this cell is asked to add for the changed files (same for its base and patched builds). */
  additions: SeriesAdditions;
  /** Whether the tree has CONFIG_WERROR (turned off: a warning must not stop the analysis). */
  definesWerror: boolean;
  /** Added lines of each changed .c file, in the patched tree. */
  changedLines: Map<string, number[]>;
}

interface CellRun {
  ctx: RunContext;
  cell: Cell;
  kb: KbuildOptions;
  log: string;
  artifacts: string;
  /** Make variables given to every make of the cell (gcov profiling of the touched objects). */
  vars: string[];
  /** Every make of the cell as a shell line, for the reproduce block of a failing cell. */
  commands: string[];
}

const IMAGE: Record<string, string> = { x86_64: 'arch/x86/boot/bzImage', i386: 'arch/x86/boot/bzImage', x86: 'arch/x86/boot/bzImage' };

/** The makes of a failing cell, last REPRODUCE_MAKES of them, after where its .config is kept. */
const REPRODUCE_MAKES = 6;
function reproduceBuild(run: CellRun): string[] {
  const configure = run.commands.slice(0, 4);
  const makes = run.commands.slice(4).slice(-2 * REPRODUCE_MAKES);
  return [`# ${run.cell.name} (ARCH=${run.cell.arch}), the .config as built: ${path.join(run.artifacts, 'config')}`, ...configure, ...makes];
}

/** make with its output appended to the cell's build log and its ccache calls counted in a phase's stats log. */
async function step(run: CellRun, label: string, args: string[], phase: string): Promise<ExecResult> {
  args = [...args, ...run.vars];
  await appendFile(run.log, `\n### ${label}: make ${args.join(' ')}\n`);
  const invocation = makeInvocation(run.kb, args);
  run.commands.push(`# ${label}`, commandLine(invocation.argv, invocation.env));
  const statsLog = path.join(run.kb.buildDir, `.kpci-ccache-${phase}.log`);
  const result = await run.ctx.progress.alive(`${label} (${run.cell.name})`, make({ ...run.kb, ccache: run.kb.ccache && { ...run.kb.ccache, CCACHE_STATSLOG: statsLog } }, args));
  await appendFile(run.log, result.stdout + result.stderr + (result.timedOut ? `\n### killed after ${run.kb.timeoutMs / 1000}s\n` : ''));
  return result;
}

async function phaseHitRate(run: CellRun, phase: string): Promise<number | undefined> {
  const text = await readFile(path.join(run.kb.buildDir, `.kpci-ccache-${phase}.log`), 'utf8').catch(() => '');
  return hitRate(parseStatsLog(text));
}

async function clearStats(run: CellRun, ...phases: string[]): Promise<void> {
  for (const phase of phases) await rm(path.join(run.kb.buildDir, `.kpci-ccache-${phase}.log`), { force: true });
}

/** The image and vmlinux just built, where the boot stage looks for them (the base kernel in its own folder). */
async function keepKernel(run: CellRun, kind: 'base' | 'patched'): Promise<void> {
  const art = cellArtifacts(run.ctx.outDir, run.ctx.workDir, run.cell.name);
  const [image, vmlinux] = kind === 'base' ? [art.baseBzImage, art.baseVmlinux] : [art.bzImage, art.vmlinux];
  await mkdir(path.dirname(image), { recursive: true });
  for (const f of [image, vmlinux]) await rm(f, { force: true }); // a failed build must not leave an old kernel behind
  const built = path.join(run.kb.buildDir, IMAGE[run.cell.arch] ?? 'arch/x86/boot/bzImage');
  if (existsSync(built)) await copyFile(built, image);
  await copyFile(path.join(run.kb.buildDir, 'vmlinux'), vmlinux).catch(() => undefined);
}

function failure(result: ExecResult, run: CellRun): string {
  return result.timedOut ? `killed after the ${run.kb.timeoutMs / 1000}s step timeout` : firstError(result);
}

/** gcc/sparse-style diagnostics plus linker errors, as located diagnostics of this revision. */
async function diagnosticsOf(run: CellRun, results: ExecResult[]): Promise<Located[]> {
  const text = results.map((r) => r.stdout + r.stderr).join('\n');
  const diags = parseDiagnostics(text, run.ctx.tree.dir, run.kb.buildDir).filter((d) => d.severity !== 'info');
  const touched = touchedCFiles(run.ctx.series.patches);
  for (const link of parseLinkErrors(text)) {
    // ld names a source by its basename only; the series' own files are the likely owners
    const file = touched.find((f) => link.source && path.basename(f) === link.source) ?? link.object.replace(/\.o$/, '.c');
    diags.push({ file, line: link.line ?? 0, severity: 'error', message: link.message, fromLinker: true });
  }
  const located = await locate(diags, run.ctx.tree.dir);
  const seen = new Set<string>();
  return located.filter((d) => {
    const id = `${d.key}@${d.line}`; // W=1 and the normal build report the same warning twice
    return seen.has(id) ? false : (seen.add(id), true);
  });
}

/** Objects of touched files that this cell's .config builds (compiling an object Kconfig leaves off proves nothing). */
async function enabledObjects(run: CellRun, files: string[], config: Map<string, string>): Promise<string[]> {
  const objects: string[] = [];
  for (const file of files) {
    const rule = await buildRuleFor(run.ctx.tree.dir, file);
    if (rule.kind === 'always' || (rule.kind === 'symbols' && rule.symbols.every((s) => config.get(s) === 'y'))) objects.push(file.replace(/\.c$/, '.o'));
  }
  return objects;
}

/** Info findings: what the cell added for the series, and which of the files' symbols Kconfig would not allow. */
function additionFindings(outcome: AdditionsOutcome): Finding[] {
  const findings: Finding[] = [];
  if (outcome.added.length) {
    findings.push({ tool: 'kbuild', severity: 'info', type: 'CONFIG_FOR_SERIES', message: `added for the series: ${outcome.added.map((s) => `CONFIG_${s}`).join(', ')}` });
  }
  for (const r of outcome.refused) {
    findings.push({ tool: 'kbuild', severity: 'info', type: 'CONFIG_NOT_ENABLED', message: `CONFIG_${r.symbol} (for ${r.files.join(', ')}) stays off: ${r.reason}` });
  }
  return findings;
}

/** Why this cell does not build a changed file: the Kconfig reason of its symbols, when we asked for them. */
function notBuiltBecause(file: string, outcome: AdditionsOutcome): string {
  const refused = outcome.refused.filter((r) => r.files.includes(file));
  return refused.length ? refused.map((r) => `CONFIG_${r.symbol} stays off: ${r.reason}`).join('; ') : 'its object is not built in this config';
}

export async function buildCell(ctx: RunContext, cell: Cell, kbBase: Omit<KbuildOptions, 'buildDir' | 'arch'>, series: SeriesForCell): Promise<CellOutcome> {
  const t0 = Date.now();
  const run: CellRun = {
    ctx, cell,
    kb: { ...kbBase, buildDir: path.join(ctx.workDir, 'build', cell.name), arch: cell.arch },
    log: path.join(ctx.outDir, 'artifacts', cell.name, 'build.log'),
    artifacts: path.join(ctx.outDir, 'artifacts', cell.name),
    vars: [],
    commands: [],
  };
  await mkdir(run.kb.buildDir, { recursive: true });
  await mkdir(run.artifacts, { recursive: true });
  const art = cellArtifacts(ctx.outDir, ctx.workDir, cell.name);
  for (const f of [art.bzImage, art.vmlinux, art.baseBzImage, art.baseVmlinux]) await rm(f, { force: true }); // no stale kernel from an earlier run
  await writeFile(run.log, `# kernel-patch-ci build log for ${cell.name} (ARCH=${cell.arch})\n`);
  const findings: Finding[] = [];
  const metrics: CellMetrics = { configureMs: 0, baseBuildMs: 0, perPatchMs: 0, patchedBuildMs: 0, ccacheHitRate: {} };
  let lines = new Map<string, FileLines>();
  const done = (status: CellResult['status'], summary: string, compiled: string[] = []): CellOutcome => ({
    result: { config: cell.name, status, durationMs: Date.now() - t0, summary, metrics, artifacts: run.artifacts, ...(status === 'fail' || status === 'error' ? { reproduce: reproduceBuild(run) } : {}) },
    findings: findings.map((f) => ({ ...f, config: cell.name })),
    compiled,
    lines,
  });
  const git = ctx.tree.git;
  const commits = ctx.applied!.commits;
  const patched = commits.at(-1)!;
  await git.run(['checkout', '--quiet', '--detach', ctx.tree.baseCommit]);

  // 1. configure (the fragment, then what the series needs), and check Kconfig kept every symbol the fragment asked for
  let t = Date.now();
  const seriesFragment = path.join(run.artifacts, 'series.config');
  await writeSeriesFragment(seriesFragment, series.additions, series.definesWerror);
  run.commands.push('# configure: tinyconfig, the fragments merged, olddefconfig', ...configureCommands(run.kb, [cell.fragmentPath, seriesFragment]));
  const configFailed = await configureFromFragment(run.kb, [cell.fragmentPath, seriesFragment]);
  metrics.configureMs = Date.now() - t;
  if (configFailed) return done('error', `configuration failed: ${failure(configFailed, run)}`);
  const configText = await readFile(path.join(run.kb.buildDir, '.config'), 'utf8');
  await writeFile(path.join(run.artifacts, 'config'), configText);
  const config = parseConfig(configText);
  const dropped = droppedSymbols(cell.wanted, config);
  const defined = await definedSymbols(git, dropped.map((d) => d.symbol));
  for (const d of dropped) {
    const why = defined.has(d.symbol) ? `is ${d.got === 'n' ? 'off' : d.got} after olddefconfig (a dependency is missing or it is selected otherwise)` : 'does not exist in this tree';
    // not the series' doing (new: false), but the cell does not test what it claims: a reviewer must see it
    findings.push({ tool: 'kbuild', severity: 'warning', type: 'CONFIG_DROPPED', new: false, message: `CONFIG_${d.symbol}=${d.wanted} asked by ${path.basename(cell.fragmentPath)} ${why}` });
  }
  const additions = judgeAdditions(series.additions, config);
  findings.push(...additionFindings(additions));

  // 2. the base: full image, then the touched objects again with W=1
  const objects = await enabledObjects(run, touchedCFiles(ctx.series.patches), config);
  // gcov notes for the touched objects, so the boot stage can tell which changed lines ran; the same variables on
  // every make keep base and patched objects built alike (and ccache hits shared)
  if (config.get('GCOV_KERNEL') === 'y') run.vars = objects.map((o) => `GCOV_PROFILE_${path.basename(o)}=y`);
  // debug info for the touched objects only, so that the boot stage's decoded stack traces give their line numbers
  // (for the whole kernel it would cost minutes per build)
  for (const o of objects) if (!(await setsObjectCflags(ctx.tree.dir, o))) run.vars.push(`CFLAGS_${path.basename(o)}=-g`);
  await clearStats(run, 'base', 'per-patch', 'patched');
  t = Date.now();
  const baseImage = await step(run, 'base build', ['bzImage'], 'base');
  if (baseImage.code !== 0) return done('error', `the base tree does not build: ${failure(baseImage, run)}`);
  const baseW1 = objects.length ? await step(run, 'base W=1', ['W=1', ...objects], 'base') : undefined;
  const base = await diagnosticsOf(run, [baseImage, ...(baseW1 ? [baseW1] : [])]);
  metrics.baseBuildMs = Date.now() - t;
  await keepKernel(run, 'base');
  metrics.ccacheHitRate.base = await phaseHitRate(run, 'base');

  // 3. bisectability: every intermediate tree must compile what the series touched so far
  t = Date.now();
  for (let i = 0; i < commits.length - 1; i++) {
    const objs = await enabledObjects(run, touchedCFiles(ctx.series.patches.slice(0, i + 1)), config);
    if (objs.length === 0) continue;
    await git.run(['checkout', '--quiet', '--detach', commits[i]!]);
    const partial = await step(run, `after patch ${i + 1}`, objs, 'per-patch');
    if (partial.code !== 0) {
      findings.push({ tool: 'gcc', severity: 'error', type: 'BISECT_BUILD', patch: i + 1, new: true, message: `the tree after patch ${i + 1} does not build on its own: ${failure(partial, run)}` });
    }
  }
  metrics.perPatchMs = Date.now() - t;

  // 4. the patched tree: touched objects with W=1, then the full image
  await git.run(['checkout', '--quiet', '--detach', patched]);
  const changedAt = Date.now();
  t = Date.now();
  const patchedW1 = objects.length ? await step(run, 'patched W=1', ['W=1', ...objects], 'patched') : undefined;
  const patchedImage = await step(run, 'patched build', ['bzImage'], 'patched');
  metrics.patchedBuildMs = Date.now() - t;
  metrics.ccacheHitRate.patched = await phaseHitRate(run, 'patched');
  const after = await diagnosticsOf(run, [...(patchedW1 ? [patchedW1] : []), patchedImage]);

  // 5. only what the series introduced is blamed
  // The patched build only recompiles what changed, so a base warning missing from it is fixed only if its file
  // is one the series changed (and so was recompiled); the others were simply not printed again.
  const changedFiles = new Set(ctx.series.patches.flatMap((p) => p.files.map((f) => f.path)));
  const compared = compareByFingerprint(base, after, (d) => d.key);
  const { introduced, existing } = compared;
  const fixed = compared.fixed.filter((d) => changedFiles.has(d.file));
  const toolOf = (d: Located): Finding['tool'] => (d.fromLinker ? 'kbuild' : 'gcc');
  for (const d of introduced) {
    findings.push({ tool: toolOf(d), severity: d.severity, type: d.fromLinker ? 'LINK_ERROR' : d.severity === 'error' ? 'COMPILE_ERROR' : 'COMPILER_WARNING', message: d.message, file: d.file, ...(d.line ? { line: d.line } : {}), patch: onlyPatchTouching(ctx.series.patches, d.file), new: true });
  }
  for (const d of fixed) findings.push({ tool: toolOf(d), severity: 'info', type: 'WARNING_FIXED', message: `fixed: ${d.message}`, file: d.file, ...(d.line ? { line: d.line } : {}), new: false });
  for (const d of existing) findings.push({ tool: toolOf(d), severity: d.severity, type: 'COMPILER_WARNING', message: d.message, file: d.file, ...(d.line ? { line: d.line } : {}), new: false });

  // 6. proof of compile: the touched objects were rebuilt after the change, and which changed lines they contain
  const compiled: string[] = [];
  for (const obj of objects) {
    const info = await stat(path.join(run.kb.buildDir, obj)).catch(() => undefined);
    if (info && info.mtimeMs >= changedAt - 1000) compiled.push(obj.replace(/\.o$/, '.c'));
  }
  lines = await compiledLines(ctx.tree.dir, run.kb.buildDir, series.changedLines, objects, run.kb.timeoutMs);
  for (const [file, l] of lines) if (!l.built) lines.set(file, { ...l, why: notBuiltBecause(file, additions) });
  const lineTally = tally(lines);
  const linesSummary = `${lineTally.compiled}/${lineTally.total} changed lines compiled`;
  const addedSummary = additions.added.length ? `; added for the series: ${additions.added.map((s) => `CONFIG_${s}`).join(', ')}` : '';

  if (patchedImage.code !== 0) {
    const first = introduced.find((d) => d.severity === 'error');
    if (!first) findings.push({ tool: 'kbuild', severity: 'error', type: 'BUILD_FAILED', new: true, message: `the patched tree does not build: ${failure(patchedImage, run)}` });
    return done(patchedImage.timedOut ? 'error' : 'fail', `build failed: ${first ? `${first.file}${first.line ? `:${first.line}` : ''}: ${first.message}` : failure(patchedImage, run)}${addedSummary}`, compiled);
  }
  // 7. artifacts for the boot stage and for decoding stack traces
  await keepKernel(run, 'patched');

  const status = statusFromFindings(findings, ctx.settings.failOn);
  const rate = metrics.ccacheHitRate.patched;
  const summary = `${introduced.length} new, ${fixed.length} fixed, ${existing.length} pre-existing warnings; ${compiled.length}/${objects.length} changed objects rebuilt, ${linesSummary}${addedSummary}${rate !== undefined ? `; ccache ${(rate * 100).toFixed(0)}% hits` : ''}`;
  return done(status, summary, compiled);
}
