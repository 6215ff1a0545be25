// sparse: check the C files the series touches on the base and on the patched tree; blame only what is new.
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Finding, StageResult } from '../results/model.js';
import { statusFromFindings } from '../results/verdict.js';
import { buildRuleFor, droppedSymbols, parseConfig } from '../kernel/kconfig.js';
import { compareByFingerprint } from '../findings/fingerprint.js';
import { locate, type Located } from '../findings/locate.js';
import { parseDiagnostics } from '../tools/gcc-diagnostics.js';
import { onlyPatchTouching, touchedCFiles } from '../series/touched.js';
import { firstError, make, type KbuildOptions } from '../tools/kbuild.js';
import { ccacheEnv } from '../tools/ccache.js';
import type { RunContext, Stage } from './stage.js';

/** Compile, then check: a second make with C=2 on up-to-date objects prints sparse's output and nothing else. */
async function checkRevision(ctx: RunContext, kb: KbuildOptions, objects: string[], label: string): Promise<Located[] | Finding> {
  const log = path.join(ctx.outDir, 'logs', `sparse-${label}.log`);
  const compile = await ctx.progress.alive(`compiling the ${label} tree`, make(kb, objects));
  await writeFile(log, compile.stdout + compile.stderr);
  if (compile.code !== 0) {
    const error = compile.timedOut ? `timed out after ${kb.timeoutMs / 1000}s` : firstError(compile);
    return { tool: 'gcc', severity: 'error', type: 'COMPILE_ERROR', message: `the ${label} tree does not compile: ${error}`, new: label === 'patched' };
  }
  const check = await ctx.progress.alive(`running sparse on the ${label} tree`, make(kb, ['C=2', ...objects]));
  await appendFile(log, check.stdout + check.stderr);
  if (check.code !== 0) {
    return { tool: 'sparse', severity: 'error', type: 'SPARSE_FAILED', message: `sparse failed on the ${label} tree: ${firstError(check)}` };
  }
  return locate(parseDiagnostics(check.stdout + check.stderr, ctx.tree.dir, kb.buildDir), ctx.tree.dir);
}

async function runSparse(ctx: RunContext): Promise<StageResult> {
  const result = (status: StageResult['status'], summary: string, findings: Finding[] = []): StageResult => ({
    name: 'sparse', status, durationMs: 0, summary, findings,
  });
  const files = touchedCFiles(ctx.series.patches);
  if (files.length === 0) return result('pass', 'no C files changed: nothing to check');
  const patched = ctx.applied!.commits.at(-1)!;
  const findings: Finding[] = [];

  // A config that builds every touched file: x86_64 defconfig plus the symbols their Makefiles name.
  const wanted = new Map<string, string>();
  const checkable: string[] = [];
  for (const file of files) {
    const rule = await buildRuleFor(ctx.tree.dir, file);
    if (rule.kind === 'unknown') {
      findings.push({ tool: 'sparse', severity: 'info', type: 'NOT_CHECKED', file, message: `${file} is not checked: no Makefile rule in its directory builds it` });
      continue;
    }
    if (rule.kind === 'symbols') for (const s of rule.symbols) wanted.set(s, 'y');
    checkable.push(file);
  }
  const kb: KbuildOptions = {
    srcDir: ctx.tree.dir,
    buildDir: path.join(ctx.workDir, 'sparse-x86_64'),
    arch: 'x86_64',
    jobs: ctx.settings.jobs,
    timeoutMs: ctx.settings.stepTimeoutMs,
    // the same compiler cache as the build cells: a new out dir does not recompile prepare's host tools
    ccache: ccacheEnv({ dir: ctx.settings.ccacheDir, maxSize: ctx.settings.ccacheSize, baseDir: ctx.workDir }),
  };
  await mkdir(kb.buildDir, { recursive: true });
  await mkdir(path.join(ctx.outDir, 'logs'), { recursive: true });
  await ctx.tree.git.run(['checkout', '--quiet', '--detach', ctx.tree.baseCommit]);
  try {
    const defconfig = await make(kb, ['defconfig']);
    if (defconfig.code !== 0) return result('error', `make defconfig failed: ${firstError(defconfig)}`);
    const configFile = path.join(kb.buildDir, '.config');
    await appendFile(configFile, [...wanted].map(([s, v]) => `CONFIG_${s}=${v}\n`).join(''));
    const olddefconfig = await make(kb, ['olddefconfig']);
    if (olddefconfig.code !== 0) return result('error', `make olddefconfig failed: ${firstError(olddefconfig)}`);
    const dropped = new Set(droppedSymbols(wanted, parseConfig(await readFile(configFile, 'utf8'))).map((d) => d.symbol));
    const objects: string[] = [];
    for (const file of checkable) {
      const rule = await buildRuleFor(ctx.tree.dir, file);
      const off = rule.kind === 'symbols' ? rule.symbols.filter((s) => dropped.has(s)) : [];
      if (off.length > 0) {
        // not the series' fault, but a reviewer must see that sparse never looked at this file
        findings.push({
          tool: 'sparse', severity: 'info', type: 'NOT_CHECKED', file,
          message: `${file} is not checked: ${off.map((s) => `CONFIG_${s}`).join(', ')} cannot be enabled on x86_64 defconfig (a dependency is off)`,
        });
      } else objects.push(file.replace(/\.c$/, '.o'));
    }
    if (objects.length === 0) return result(statusFromFindings(findings, ctx.settings.failOn), 'no changed C file could be built on x86_64', findings);

    const base = await checkRevision(ctx, kb, objects, 'base');
    if (!Array.isArray(base)) return result('error', base.message, [base]);
    await ctx.tree.git.run(['checkout', '--quiet', '--detach', patched]);
    const after = await checkRevision(ctx, kb, objects, 'patched');
    if (!Array.isArray(after)) {
      findings.push(after);
      return result(after.type === 'COMPILE_ERROR' ? 'fail' : 'error', after.message, findings);
    }

    const { introduced, fixed, existing } = compareByFingerprint(base, after, (d) => d.key);
    for (const d of introduced) {
      findings.push({ tool: 'sparse', severity: d.severity, type: 'SPARSE', message: d.message, file: d.file, line: d.line, patch: onlyPatchTouching(ctx.series.patches, d.file), new: true });
    }
    for (const d of fixed) {
      findings.push({ tool: 'sparse', severity: 'info', type: 'SPARSE_FIXED', message: `fixed: ${d.message}`, file: d.file, line: d.line, new: false });
    }
    for (const d of existing) {
      findings.push({ tool: 'sparse', severity: d.severity, type: 'SPARSE', message: d.message, file: d.file, line: d.line, new: false });
    }
    const summary = `${objects.length} file${objects.length === 1 ? '' : 's'} checked: ${introduced.length} new, ${fixed.length} fixed, ${existing.length} pre-existing`;
    return result(statusFromFindings(findings, ctx.settings.failOn), summary, findings);
  } finally {
    await ctx.tree.git.exec(['checkout', '--quiet', '--detach', patched]);
  }
}

export const sparseStage: Stage = { name: 'sparse', needs: ['apply'], run: runSparse };
