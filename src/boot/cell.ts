// One boot cell: the cell's base and patched kernels booted with the same workload (one QEMU each, side by side when
// the machine has the cores), their KTAP results, ciphertext hashes and kernel logs compared, and the coverage of
// the changed functions.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CellResult, Finding } from '../results/model.js';
import { statusFromFindings } from '../results/verdict.js';
import type { RunContext } from '../stages/stage.js';
import type { Cell } from '../kernel/cells.js';
import { parseConfig } from '../kernel/kconfig.js';
import { cellArtifacts } from '../build/artifacts.js';
import { buildInitramfs } from '../guest/initramfs.js';
import { readNotReached, readScenarios } from '../guest/scenarios.js';
import type { ChangedFunction } from '../series/changed.js';
import { bootKernel, chooseAccel, type KernelBoot } from './guest-run.js';
import { ktapDocument, silentScenario, tail } from './console.js';
import { blameChanged, findSplats, splatKey, type Splat } from './watchdog.js';
import { decodeStacktrace } from '../tools/decode-stacktrace.js';
import { coverageMarkdown, coverageOfChanges, gcdaPath, readCounters, type FunctionCoverage } from './coverage.js';

export interface BootSettings {
  guestDir: string;
  cacheDir: string;
  scenarios?: string[];
  bootTimeoutMs: number;
  scenarioTimeoutMs: number;
}

export interface BootMetrics {
  accel: string;
  initramfsMs: number;
  initramfsCached: boolean;
  /** Per kernel: QEMU start to the first scenario, and the whole boot. */
  base?: { toFirstScenarioMs?: number; totalMs: number };
  patched?: { toFirstScenarioMs?: number; totalMs: number };
}

export interface BootCellOutcome {
  result: CellResult & { metrics?: BootMetrics; artifacts?: string };
  findings: Finding[];
  coverage: FunctionCoverage[];
}

const GUEST_CPUS = 2;

/**
 * Base and patched boot side by side only when each guest's CPUs get host cores of their own. The guest's two queues
 * keep both its CPUs busy, and more TCG vCPUs than cores spin on guest locks whose holder is not running: on two
 * cores the x86_64 cell took 171 s side by side and 74 s one after the other.
 */
export function bootTogether(cpusPerGuest: number, hostCores = os.availableParallelism()): boolean {
  return hostCores >= 2 * cpusPerGuest;
}

/** Guest memory: i386 needs more than its ~890 MiB of lowmem so that HighTotal is not zero. */
const MEMORY_MIB: Record<string, number> = { x86_64: 1024, i386: 2048 };

const EXCERPT_LINES = 25;
/** A kernel that splats in a loop still gets its first reports decoded, in seconds rather than minutes. */
const MAX_DECODED = 10;

/** Each splat's excerpt with its frames decoded against the patched vmlinux (by console line), where that works. */
async function decodeSplats(treeDir: string, vmlinux: string, splats: readonly Splat[]): Promise<Map<number, string[]>> {
  const decoded = new Map<number, string[]>();
  for (const splat of splats.slice(0, MAX_DECODED)) {
    const lines = await decodeStacktrace({ treeDir, vmlinux, messages: splat.excerpt.slice(0, EXCERPT_LINES) });
    if (lines) decoded.set(splat.line, lines);
  }
  return decoded;
}

function compareBoots(cell: Cell, base: KernelBoot | undefined, patched: KernelBoot, changed: readonly ChangedFunction[], sources: ReadonlyMap<string, string>, highmem: boolean, splats: readonly Splat[], decoded: Map<number, string[]>): Finding[] {
  const findings: Finding[] = [];
  const p = patched.report;
  const b = base?.report;

  if (p.initLine === undefined) {
    const pre = b && b.initLine === undefined;
    // a panic's own line says why; its stack dump can push it out of the last lines
    const last = tail(p.lines);
    const panic = p.lines.find((l) => /Kernel panic - not syncing/.test(l));
    const shown = panic && !last.includes(panic) ? [panic, '…', ...last] : last;
    findings.push({ tool: 'kernel', severity: pre ? 'warning' : 'error', type: 'BOOT_FAILED', new: !pre, message: `the patched ${cell.name} kernel did not reach our init${patched.killed ? ` (${patched.killed})` : ''}${pre ? '; the base kernel did not either' : ''}. Last console lines:\n${shown.join('\n')}` });
  }
  if (highmem && p.initLine !== undefined && !p.highTotalKb) {
    findings.push({ tool: 'workload', severity: 'warning', type: 'NO_HIGHMEM', new: false, message: `the ${cell.name} guest has no high memory (HighTotal 0): kmap_local_page() maps nothing there, give it more RAM` });
  }

  // KTAP results, patched against base
  for (const s of p.scenarios) {
    if (s.status === 'pass' || s.status === 'skip') continue;
    const onBase = b?.scenarios.find((x) => x.name === s.name);
    const pre = onBase ? onBase.status === 'fail' || onBase.status === 'missing' : b !== undefined && silentScenario(b) === s.n;
    const why = s.status === 'missing' ? `no result${patched.killed ? ` (${patched.killed})` : ''}` : s.reason ?? 'failed';
    const details = s.status === 'missing' ? tail(p.lines.slice(s.firstLine), 10) : s.notes.slice(-8);
    findings.push({ tool: 'workload', severity: pre ? 'warning' : 'error', type: pre ? 'SCENARIO_FAILS_ON_BASE' : 'SCENARIO_FAILED', new: !pre, message: `scenario ${s.name}: ${why}${pre ? ' (pre-existing: it fails on the base kernel too)' : ''}${details.length ? `\n${details.join('\n')}` : ''}` });
  }
  if (p.initLine !== undefined && p.planned !== undefined) {
    const missing = p.planned - p.scenarios.length;
    if (missing > 0) findings.push({ tool: 'workload', severity: 'error', type: 'SCENARIO_NOT_RUN', new: true, message: `${missing} of ${p.planned} scenarios never started${patched.killed ? ` (${patched.killed})` : ''}` });
  }

  // Deterministic ciphertext must not change
  if (b) {
    for (const s of p.scenarios) {
      const bs = b.scenarios.find((x) => x.name === s.name);
      for (const [label, hash] of Object.entries(s.hashes)) {
        const baseHash = bs?.hashes[label];
        if (baseHash && baseHash !== hash) findings.push({ tool: 'workload', severity: 'error', type: 'CIPHERTEXT_DIFFERS', new: true, message: `scenario ${s.name}: the ciphertext written by ${label} under the patched kernel differs from the base kernel's (sha256 ${hash.slice(0, 16)}… vs ${baseHash.slice(0, 16)}…): the series changes what lands on disk` });
      }
    }
  }

  // Kernel log watchdog: a splat the base kernel also printed in the same scenario is not the series' doing
  const baseKeys = new Set(b ? findSplats(b).map(splatKey) : []);
  for (const splat of splats) {
    const pre = baseKeys.has(splatKey(splat));
    const blame = blameChanged(splat, changed, sources);
    const fn = blame?.fn;
    const shown = decoded.get(splat.line) ?? splat.excerpt.slice(0, EXCERPT_LINES);
    const changedBy = fn && `${fn.name}() (${fn.file}, changed by patch ${fn.patches.join(', ')})`;
    const where = blame?.via ? ` in ${blame.via}(), which calls ${changedBy}` : fn ? ` in ${changedBy}` : splat.functions[0] ? ` in ${splat.functions[0]}()` : '';
    findings.push({
      tool: 'kernel',
      severity: pre ? 'warning' : 'error',
      type: pre ? 'KERNEL_SPLAT_ON_BASE' : 'KERNEL_SPLAT',
      new: !pre,
      ...(fn ? { file: fn.file, line: fn.lines[0], patch: fn.patches.length === 1 ? fn.patches[0] : undefined } : {}),
      message: `${splat.title}${where}, during ${splat.scenario}${pre ? ' (pre-existing: the base kernel prints it too)' : ''}\n${shown.join('\n')}`,
    });
  }
  return findings;
}

export async function bootCell(ctx: RunContext, cell: Cell, settings: BootSettings, changed: readonly ChangedFunction[]): Promise<BootCellOutcome> {
  const t0 = Date.now();
  const art = cellArtifacts(ctx.outDir, ctx.workDir, cell.name);
  const done = (status: CellResult['status'], summary: string, findings: Finding[] = [], metrics?: BootMetrics, coverage: FunctionCoverage[] = []): BootCellOutcome => ({
    result: { config: cell.name, status, durationMs: Date.now() - t0, summary, ...(metrics ? { metrics } : {}), artifacts: art.dir },
    findings: findings.map((f) => ({ ...f, config: cell.name })),
    coverage,
  });
  if (!existsSync(art.bzImage)) return done('skip', 'skipped: the build stage produced no patched kernel for this config');
  const dir = path.join(ctx.workDir, 'boot', cell.name);
  await mkdir(dir, { recursive: true });

  let t = Date.now();
  const initramfs = await ctx.progress.alive(`guest userspace (${cell.name})`, buildInitramfs({ guestDir: settings.guestDir, arch: cell.arch, cacheDir: settings.cacheDir, outFile: path.join(dir, 'initramfs.cpio') }));
  const metrics: BootMetrics = { accel: 'tcg', initramfsMs: Date.now() - t, initramfsCached: initramfs.cached };
  if (initramfs.warning) ctx.progress.info(`boot: ${initramfs.warning}`);

  const memoryMiB = MEMORY_MIB[cell.arch] ?? 1024;
  const common = { arch: cell.arch, initrd: initramfs.file, memoryMiB, cpus: GUEST_CPUS, bootTimeoutMs: settings.bootTimeoutMs, scenarioTimeoutMs: settings.scenarioTimeoutMs };
  const accel = await chooseAccel({ ...common, kernel: art.bzImage, dir, totalTimeoutMs: 20_000 });
  metrics.accel = accel.accel;
  ctx.progress.info(`boot: ${cell.name} under ${accel.accel.toUpperCase()} (${accel.why})`);

  const planned = settings.scenarios?.length ?? (await readScenarios(settings.guestDir)).length;
  // boot + every scenario at its limit, so the per-scenario watchdog always fires first
  const totalTimeoutMs = settings.bootTimeoutMs + planned * settings.scenarioTimeoutMs + 30_000;
  const one = (kind: 'base' | 'patched', kernel: string) =>
    bootKernel({ ...common, kernel, dir: path.join(dir, kind), accel: accel.accel, totalTimeoutMs, ...(settings.scenarios ? { only: settings.scenarios } : {}), collectResults: kind === 'patched' });
  t = Date.now();
  const haveBase = existsSync(art.baseBzImage);
  const together = haveBase && bootTogether(GUEST_CPUS);
  const [patched, base] = await ctx.progress.alive(
    `booting ${cell.name} (${haveBase ? `base and patched kernels, ${together ? 'side by side' : 'one after the other'}` : 'patched kernel'})`,
    together
      ? Promise.all([one('patched', art.bzImage), one('base', art.baseBzImage)])
      : (async () => [await one('patched', art.bzImage), haveBase ? await one('base', art.baseBzImage) : undefined] as const)(),
  );
  for (const [kind, boot] of [['patched', patched], ['base', base]] as const) {
    if (!boot) continue;
    await writeFile(path.join(art.dir, `console-${kind}.log`), boot.console);
    await writeFile(path.join(art.dir, `ktap-${kind}.txt`), ktapDocument(boot.report));
    metrics[kind] = { totalMs: boot.durationMs, ...(boot.toFirstScenarioMs !== undefined ? { toFirstScenarioMs: boot.toFirstScenarioMs } : {}) };
  }

  const config = parseConfig(await readFile(path.join(art.dir, 'config'), 'utf8').catch(() => ''));
  const highmem = config.get('HIGHMEM4G') === 'y' || config.get('HIGHMEM64G') === 'y';
  const splats = findSplats(patched.report);
  // the changed files as patched: a splat can surface in a caller of a changed function
  const sources = new Map<string, string>();
  for (const file of new Set(changed.map((c) => c.file))) sources.set(file, await readFile(path.join(ctx.tree.dir, file), 'utf8'));
  const findings = compareBoots(cell, base, patched, changed, sources, highmem, splats, await decodeSplats(ctx.tree.dir, art.vmlinux, splats));

  // coverage of the changed functions, from the patched kernel's counters
  let coverage: FunctionCoverage[] = [];
  if (patched.resultsDir && changed.length) {
    const files = [...new Set(changed.map((c) => c.file))];
    const reasons = await readNotReached(settings.guestDir);
    for (const file of files) {
      const report = await readCounters(art.buildDir, gcdaPath(patched.resultsDir, art.buildDir, file), file);
      coverage.push(...coverageOfChanges(report, changed.filter((c) => c.file === file)).map((c) => {
        const why = reasons.get(`${c.file}:${c.name}`);
        return c.calls === 0 && why ? { ...c, notReachedBecause: why } : c;
      }));
    }
    await writeFile(path.join(art.dir, 'coverage.md'), coverageMarkdown(cell.name, coverage));
    for (const c of coverage) {
      if (c.calls === undefined) continue;
      findings.push({ tool: 'kernel', severity: 'info', type: c.calls > 0 ? 'CHANGE_EXECUTED' : 'CHANGE_NOT_REACHED', file: c.file, line: changed.find((f) => f.file === c.file && f.name === c.name)?.lines[0], message: c.calls > 0 ? `${c.name}() executed ${c.calls} times; ${c.linesRun}/${c.linesWithCode} changed lines ran` : `${c.name}() was not reached by any scenario that ran${c.notReachedBecause ? `: ${c.notReachedBecause}` : ''}` });
    }
  }

  const scen = patched.report.scenarios;
  const passed = scen.filter((s) => s.status === 'pass').length;
  const skipped = scen.filter((s) => s.status === 'skip').length;
  const reached = coverage.filter((c) => (c.calls ?? 0) > 0).length;
  const status = patched.report.initLine === undefined && base && base.report.initLine === undefined ? 'error' : statusFromFindings(findings, ctx.settings.failOn);
  const summary = `${passed}/${patched.report.planned ?? scen.length} scenarios passed${skipped ? ` (${skipped} skipped)` : ''} under ${accel.accel.toUpperCase()}` +
    `${base ? `; ciphertext ${findings.some((f) => f.type === 'CIPHERTEXT_DIFFERS') ? 'DIFFERS from' : 'identical to'} base` : ''}` +
    `${coverage.length ? `; ${reached}/${coverage.length} changed functions executed` : ''}` +
    `${patched.report.highTotalKb ? `; HighTotal ${Math.round(patched.report.highTotalKb / 1024)} MiB` : ''}`;
  const outcome = done(status, summary, findings, metrics, coverage);
  if (status === 'fail' || status === 'error') outcome.result.reproduce = reproduceBoot(cell, scen.map((x) => x.name), patched, base);
  return outcome;
}

/** The boots of a failing cell as shell lines: each kernel's disks and QEMU command line, and the scenarios run. */
function reproduceBoot(cell: Cell, scenarios: string[], patched: KernelBoot, base?: KernelBoot): string[] {
  return [
    `# ${cell.name} under QEMU; the guest's init ran the scenarios ${scenarios.join(', ') || '(none)'} (kpci.only= on the command line picks them)`,
    '# the patched kernel',
    ...patched.command,
    ...(base ? ['# the base kernel, for comparison', ...base.command] : []),
  ];
}
