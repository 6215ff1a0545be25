// sparse: check the C files the series touches on the base and on the patched tree, in an x86_64 and an i386
// HIGHMEM configuration; blame only what is new.
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BaseCacheUse, Finding, StageResult } from '../results/model.js';
import { statusFromFindings } from '../results/verdict.js';
import { buildRuleFor, definedSymbols, parseConfig } from '../kernel/kconfig.js';
import { classifyAgainstBase, comparisonFindings } from '../findings/fingerprint.js';
import { locate, type Located } from '../findings/locate.js';
import { parseDiagnostics } from '../tools/gcc-diagnostics.js';
import { onlyPatchTouching, touchedCFiles } from '../series/touched.js';
import { ANALYSIS_KCFLAGS, firstError, make, type KbuildOptions } from '../tools/kbuild.js';
import { ccacheEnv } from '../tools/ccache.js';
import {
  judgeAdditions,
  seriesAdditions,
  symbolsBuilding,
  type SeriesAdditions,
  type SymbolNeeds,
} from '../build/series-config.js';
import type { AppliedSeries, RunContext, Stage, StageInput, StageOutput } from './stage.js';
import { BUILD_DIR_PREFIX } from '../tree/prepare.js';
import { baseSparseKey } from '../cache/base-keys.js';
import { baseCacheNote } from '../cache/note.js';
import type { EntryStore } from '../cache/entries.js';
import { gccVersion } from '../tools/gcc.js';
import { TOOL_VERSION } from '../version.js';
import { restoreSparseBase, saveSparseBase, sparseVersion } from './sparse-base-cache.js';

interface SparseConfig {
  name: string;
  arch: string;
  /** Set on top of the arch's defconfig. */
  extra: Record<string, string>;
}

/** x86_64 defconfig, and i386's with HIGHMEM: kmap_local code is HIGHMEM code, which x86_64 never compiles. */
export const SPARSE_CONFIGS: readonly SparseConfig[] = [
  { name: 'x86_64-defconfig', arch: 'x86_64', extra: {} },
  { name: 'i386-highmem-defconfig', arch: 'i386', extra: { HIGHMEM4G: 'y' } },
];

interface Checked {
  config: string;
  diagnostics: Located[];
}

/** Compile, then check: a second make with C=2 on up-to-date objects prints sparse's output and nothing else. */
async function checkRevision(
  ctx: RunContext,
  kbuild: KbuildOptions,
  sparseConfig: SparseConfig,
  objects: string[],
  label: string,
): Promise<Located[] | Finding> {
  const log = path.join(ctx.outDir, 'logs', `sparse-${sparseConfig.name}-${label}.log`);
  const compile = await ctx.progress.alive(
    `compiling the ${label} tree (${sparseConfig.name})`,
    make(kbuild, [ANALYSIS_KCFLAGS, ...objects]),
  );
  await writeFile(log, compile.stdout + compile.stderr);
  if (compile.code !== 0) {
    const error = compile.timedOut ? `timed out after ${kbuild.timeoutMs / 1000}s` : firstError(compile);
    const located = compile.timedOut
      ? []
      : (
          await locate(parseDiagnostics(compile.stdout + compile.stderr, ctx.tree.dir, kbuild.buildDir), ctx.tree.dir)
        ).filter((d) => d.severity === 'error');
    const at = located[0];
    return {
      tool: 'gcc',
      severity: 'error',
      type: 'COMPILE_ERROR',
      config: sparseConfig.name,
      new: label === 'patched',
      message: `the ${label} tree does not compile (${sparseConfig.name}): ${at ? at.message : error}`,
      ...(at?.file ? { file: at.file, line: at.line, patch: onlyPatchTouching(ctx.series.patches, at.file) } : {}),
    };
  }
  const check = await ctx.progress.alive(
    `running sparse on the ${label} tree (${sparseConfig.name})`,
    make(kbuild, [ANALYSIS_KCFLAGS, 'C=2', ...objects]),
  );
  await appendFile(log, check.stdout + check.stderr);
  if (check.code !== 0) {
    return {
      tool: 'sparse',
      severity: 'error',
      type: 'SPARSE_FAILED',
      config: sparseConfig.name,
      message: `sparse failed on the ${label} tree (${sparseConfig.name}): ${firstError(check)}`,
    };
  }
  return locate(parseDiagnostics(check.stdout + check.stderr, ctx.tree.dir, kbuild.buildDir), ctx.tree.dir);
}

/** Pure: the lines set on top of the arch's defconfig: our extras, the series' symbols, warnings left as warnings. */
function configLines(sparseConfig: SparseConfig, additions: SeriesAdditions, definesWerror: boolean): string[] {
  return [
    ...Object.entries(sparseConfig.extra).map(([s, v]) => `CONFIG_${s}=${v}`),
    ...[...additions.asked.keys()].map((s) => `CONFIG_${s}=y`),
    // defconfig sets CONFIG_WERROR: one unused variable would hide every other finding
    ...(definesWerror ? ['# CONFIG_WERROR is not set'] : []),
  ];
}

/** The config for one sparse run: defconfig and the lines on top. */
async function configure(
  kbuild: KbuildOptions,
  sparseConfig: SparseConfig,
  lines: readonly string[],
): Promise<Map<string, string> | string> {
  const defconfig = await make(kbuild, ['defconfig']);
  if (defconfig.code !== 0) return `make defconfig failed (${sparseConfig.name}): ${firstError(defconfig)}`;
  const configFile = path.join(kbuild.buildDir, '.config');
  await appendFile(configFile, lines.map((l) => `${l}\n`).join(''));
  const olddefconfig = await make(kbuild, ['olddefconfig']);
  if (olddefconfig.code !== 0) return `make olddefconfig failed (${sparseConfig.name}): ${firstError(olddefconfig)}`;
  return parseConfig(await readFile(configFile, 'utf8'));
}

/** The base cache for sparse: where, and the tool versions in its keys. */
interface SparseCache {
  store: EntryStore;
  compiler: string;
  sparse: string;
}

/** Which touched files a config builds (their objects), and a NOT_CHECKED finding for each it does not. */
async function objectsIn(
  ctx: RunContext,
  sparseConfig: SparseConfig,
  files: string[],
  config: Map<string, string>,
  additions: SeriesAdditions,
): Promise<{ objects: string[]; notChecked: Finding[] }> {
  const refused = judgeAdditions(additions, config).refused;
  const objects: string[] = [];
  const notChecked: Finding[] = [];
  for (const file of files) {
    const rule = await buildRuleFor(ctx.tree.dir, file);
    const off =
      rule.kind === 'symbols' ? rule.symbols.filter((s) => config.get(s) !== 'y' && config.get(s) !== 'm') : [];
    if (rule.kind === 'unknown') continue;
    if (off.length === 0) {
      objects.push(file.replace(/\.c$/, '.o'));
      continue;
    }
    const why = off
      .map((s) => `CONFIG_${s} stays off: ${refused.find((r) => r.symbol === s)?.reason ?? 'a dependency is off'}`)
      .join('; ');
    notChecked.push({
      tool: 'sparse',
      severity: 'info',
      type: 'NOT_CHECKED',
      file,
      config: sparseConfig.name,
      message: `${file} is not checked in ${sparseConfig.name}: ${why}`,
    });
  }
  return { objects, notChecked };
}

/**
 * One configuration: which touched files it builds, and sparse's output on base and patched for them. The base
 * side comes from the base cache when an earlier run checked the same base the same way.
 */
async function checkInConfig(
  ctx: RunContext,
  applied: AppliedSeries,
  sparseConfig: SparseConfig,
  files: string[],
  needs: SymbolNeeds,
  definesWerror: boolean,
  findings: Finding[],
  cache: SparseCache | undefined,
  uses: { config: string; use: BaseCacheUse }[],
): Promise<{ base: Checked; patched: Checked; objects: string[] } | undefined> {
  const kbuild: KbuildOptions = {
    srcDir: ctx.tree.dir,
    // in our checkout, one level down: kbuild names the sources by relative paths, so a kept O= dir means the same
    // in another out dir
    buildDir: path.join(ctx.tree.dir, `${BUILD_DIR_PREFIX}sparse-${sparseConfig.arch}`),
    arch: sparseConfig.arch,
    jobs: ctx.settings.jobs,
    timeoutMs: ctx.settings.stepTimeoutMs,
    // the same compiler cache as the build cells: a new out dir does not recompile prepare's host tools
    ccache: ccacheEnv({ dir: ctx.settings.ccacheDir, maxSize: ctx.settings.ccacheSize, baseDir: ctx.workDir }),
  };
  await mkdir(kbuild.buildDir, { recursive: true });
  const additions = await seriesAdditions(
    ctx.tree.git,
    ctx.tree.dir,
    needs,
    sparseConfig.arch,
    new Map(Object.entries(sparseConfig.extra)),
  );
  const lines = configLines(sparseConfig, additions, definesWerror);
  const key = cache
    ? baseSparseKey({
        baseCommit: applied.baseCommit,
        config: sparseConfig.name,
        arch: sparseConfig.arch,
        configLines: lines,
        compiler: cache.compiler,
        sparse: cache.sparse,
        files,
      })
    : undefined;
  const restored = cache && key ? await restoreSparseBase(cache.store, key, kbuild.buildDir) : undefined;
  const use = restored?.use;
  if (use) uses.push({ config: sparseConfig.name, use });
  // on a hit as on a miss the base is checked out, so the series' files are rewritten after the O= dir's stamp
  await ctx.tree.git.run(['checkout', '--quiet', '--detach', applied.baseCommit]);
  let objects: string[];
  let base: Located[];
  if (restored?.base) {
    ({ objects, diagnostics: base } = restored.base);
    findings.push(...restored.base.notChecked);
  } else {
    const config = await configure(kbuild, sparseConfig, lines);
    if (typeof config === 'string') {
      findings.push({
        tool: 'sparse',
        severity: 'error',
        type: 'SPARSE_FAILED',
        config: sparseConfig.name,
        message: config,
      });
      return undefined;
    }
    const found = await objectsIn(ctx, sparseConfig, files, config, additions);
    findings.push(...found.notChecked);
    objects = found.objects;
    if (objects.length === 0) return undefined;
    const checked = await checkRevision(ctx, kbuild, sparseConfig, objects, 'base');
    if (!Array.isArray(checked)) {
      findings.push(checked);
      return undefined;
    }
    base = checked;
    if (cache && key && use)
      use.saved = await saveSparseBase(cache.store, key, kbuild.buildDir, {
        objects,
        notChecked: found.notChecked,
        diagnostics: base,
      });
  }
  if (objects.length === 0) return undefined;
  await ctx.tree.git.run(['checkout', '--quiet', '--detach', applied.patchedCommit]);
  const after = await checkRevision(ctx, kbuild, sparseConfig, objects, 'patched');
  if (!Array.isArray(after)) {
    findings.push(after);
    return undefined;
  }
  return {
    base: { config: sparseConfig.name, diagnostics: base },
    patched: { config: sparseConfig.name, diagnostics: after },
    objects,
  };
}

async function runSparse(ctx: RunContext, input: StageInput<'apply'>): Promise<StageOutput<void>> {
  const result = (status: StageResult['status'], summary: string, findings: Finding[] = []): StageOutput<void> => ({
    result: { name: 'sparse', status, durationMs: 0, summary, findings },
  });
  const files = touchedCFiles(ctx.series.patches);
  if (files.length === 0) return result('pass', 'no C files changed: nothing to check');
  const patched = input.apply.patchedCommit;
  const findings: Finding[] = [];
  await mkdir(path.join(ctx.outDir, 'logs'), { recursive: true });
  try {
    // what builds each touched file is read from the patched tree: a patch may add the Makefile line
    await ctx.tree.git.run(['checkout', '--quiet', '--detach', patched]);
    const checkable: string[] = [];
    for (const file of files) {
      if ((await buildRuleFor(ctx.tree.dir, file)).kind === 'unknown') {
        findings.push({
          tool: 'sparse',
          severity: 'info',
          type: 'NOT_CHECKED',
          file,
          message: `${file} is not checked: no Makefile rule in its directory builds it`,
        });
      } else checkable.push(file);
    }
    const needs = await symbolsBuilding(ctx.tree.dir, checkable);
    const definesWerror = (await definedSymbols(ctx.tree.git, ['WERROR'])).has('WERROR');
    const cache: SparseCache | undefined = ctx.settings.baseCacheDir
      ? {
          store: { dir: path.join(ctx.settings.baseCacheDir, 'sparse'), tool: TOOL_VERSION },
          compiler: (await gccVersion()) ?? 'no gcc --version',
          sparse: await sparseVersion(),
        }
      : undefined;
    const uses: { config: string; use: BaseCacheUse }[] = [];
    const runs = [];
    for (const sparseConfig of SPARSE_CONFIGS) {
      const r = await checkInConfig(
        ctx,
        input.apply,
        sparseConfig,
        checkable,
        needs,
        definesWerror,
        findings,
        cache,
        uses,
      );
      if (r) runs.push(r);
    }
    const cacheNote = uses.length ? `; ${uses.map((u) => `${u.config}: ${baseCacheNote(u.use)}`).join('; ')}` : '';
    const compileError = findings.find((f) => f.type === 'COMPILE_ERROR' && f.new);
    const broken = findings.find((f) => f.type === 'SPARSE_FAILED' || (f.type === 'COMPILE_ERROR' && !f.new));
    if (runs.length === 0 && !compileError && !broken)
      return result(
        statusFromFindings(findings, ctx.settings.failOn),
        'no changed C file could be built in any sparse config',
        findings,
      );

    // one warning seen in both configs is one finding (the first config's)
    const seen = new Set<string>();
    const once = (kind: string, d: Located) => !seen.has(`${kind} ${d.key}`) && seen.add(`${kind} ${d.key}`);
    const counts = { introduced: 0, fixed: 0, existing: 0 };
    for (const r of runs) {
      const comparison = classifyAgainstBase(r.base.diagnostics, r.patched.diagnostics, (d) => d.key);
      comparison.introduced = comparison.introduced.filter((d) => once('new', d));
      comparison.fixed = comparison.fixed.filter((d) => once('fixed', d));
      comparison.existing = comparison.existing.filter((d) => once('old', d));
      for (const kind of ['introduced', 'fixed', 'existing'] as const) counts[kind] += comparison[kind].length;
      const sparse = (d: Located, config: string, isNew: boolean): Finding => ({
        tool: 'sparse',
        severity: d.severity,
        type: 'SPARSE',
        message: d.message,
        file: d.file,
        line: d.line,
        ...(isNew ? { patch: onlyPatchTouching(ctx.series.patches, d.file) } : {}),
        config,
        new: isNew,
      });
      findings.push(
        ...comparisonFindings<Located, Finding>(comparison, {
          introduced: (d) => sparse(d, r.patched.config, true),
          fixed: (d) => ({
            ...sparse(d, r.base.config, false),
            severity: 'info',
            type: 'SPARSE_FIXED',
            message: `fixed: ${d.message}`,
          }),
          existing: (d) => sparse(d, r.patched.config, false),
        }),
      );
    }
    const checked = new Set(runs.flatMap((r) => r.objects));
    const perConfig = runs.map((r) => `${r.objects.length} in ${r.patched.config}`).join(', ');
    const tally = `${counts.introduced} new, ${counts.fixed} fixed, ${counts.existing} pre-existing`;
    if (compileError) return result('fail', `${compileError.message}${runs.length ? `; ${tally}` : ''}`, findings);
    if (broken) return result('error', broken.message, findings);
    const summary = `${checked.size} file${checked.size === 1 ? '' : 's'} checked (${perConfig}): ${tally}${cacheNote}`;
    return result(statusFromFindings(findings, ctx.settings.failOn), summary, findings);
  } finally {
    await ctx.tree.git.exec(['checkout', '--quiet', '--detach', patched]);
  }
}

export const sparseStage: Stage<'apply'> = { name: 'sparse', needs: ['apply'], uses: [], run: runSparse };
