// One boot cell's I/O: the cell's base and patched kernels booted with the same workload (one QEMU each, side by
// side when the machine has the cores), their consoles and KTAP kept, splats decoded, and the coverage of the
// changed functions read. What it returns is a plain record for boot/judge.ts.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BootCellMetrics } from '../results/model.js';
import type { Cell } from '../kernel/cells.js';
import { guestOf } from '../kernel/arches.js';
import { parseConfig } from '../kernel/kconfig.js';
import type { CellKernels } from '../build/artifacts.js';
import type { Progress } from '../report/progress.js';
import { buildInitramfs } from '../guest/initramfs.js';
import { readNotReached, readScenarios } from '../guest/scenarios.js';
import { readSuites, type SuiteMode, type SuiteTest } from '../guest/suites.js';
import { buildSuiteDisk } from '../guest/suite-disk.js';
import { oneLine } from '../errors.js';
import type { ChangedFunction } from '../series/changed.js';
import { decodeStacktrace } from '../tools/decode-stacktrace.js';
import { bootKernel, chooseAccel, type KernelBoot, type SuiteRun } from './guest-run.js';
import { ktapDocument } from './console.js';
import { findSplats, type Splat } from './watchdog.js';
import {
  coverageMarkdown,
  coverageOfChanges,
  gcdaPath,
  readCounters,
  withSuitesCoverage,
  type FunctionCoverage,
} from './coverage.js';
import type { BootRecord } from './judge.js';
import type { BaseCacheUse } from '../results/model.js';
import type { EntryStore } from '../cache/entries.js';
import { TOOL_VERSION } from '../version.js';
import type { PackageVersion } from '../tools/apt.js';
import { baseBootKeyOf, cachedBaseBoot, saveBaseBoot } from './base-cache.js';
import { learnReach, listGcno, narrowByReach, type LearnedReach } from './reach.js';

export interface BootSettings {
  guestDir: string;
  cacheDir: string;
  /** The base boots' records kept between runs (<cache>/base); undefined: the base kernel always boots. */
  baseCacheDir?: string;
  scenarios?: string[];
  /** The scenarios were chosen by the change: the base boot learns the scenario map, a cached one narrows them. */
  scenarioMap?: boolean;
  bootTimeoutMs: number;
  scenarioTimeoutMs: number;
  suites: SuiteMode;
  suiteReruns: number;
  suiteTimeoutMs: number;
  /** The suite tests chosen for this run (boot stage); none when undefined. */
  suiteTests?: SuiteTest[];
}

export interface BootCellInput {
  cell: Cell;
  kernels: CellKernels & { patched: NonNullable<CellKernels['patched']> };
  settings: BootSettings;
  /** The tree at the patched commit: changed files' text, decode_stacktrace.sh. */
  treeDir: string;
  /** This cell's scratch dir (disks, initramfs, unpacked results). */
  scratchDir: string;
  changed: readonly ChangedFunction[];
  progress: Progress;
}

export interface BootCellRun {
  record: BootRecord;
  metrics: BootCellMetrics;
  patched: KernelBoot;
  base?: KernelBoot;
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

const EXCERPT_LINES = 25;
/** A kernel that splats in a loop still gets its first reports decoded, in seconds rather than minutes. */
const MAX_DECODED = 10;

/** Each splat's excerpt with its frames decoded against the patched vmlinux (by console line), where that works. */
async function decodeSplats(
  treeDir: string,
  vmlinux: string,
  splats: readonly Splat[],
): Promise<Map<number, string[]>> {
  const decoded = new Map<number, string[]>();
  for (const splat of splats.slice(0, MAX_DECODED)) {
    const lines = await decodeStacktrace({ treeDir, vmlinux, messages: splat.excerpt.slice(0, EXCERPT_LINES) });
    if (lines) decoded.set(splat.line, lines);
  }
  return decoded;
}

/** The changed functions' coverage from the patched kernel's counters (the scenarios', and the suites' beside
 *  them), with the guest's reasons for the unreached. */
async function readCoverage(input: BootCellInput, resultsDir: string | undefined): Promise<FunctionCoverage[]> {
  const { changed, kernels } = input;
  if (!resultsDir || changed.length === 0) return [];
  const coverage: FunctionCoverage[] = [];
  const reasons = await readNotReached(input.settings.guestDir);
  for (const file of new Set(changed.map((c) => c.file))) {
    const own = changed.filter((c) => c.file === file);
    const read = async (run: 'gcov' | 'gcov-suites') =>
      coverageOfChanges(
        await readCounters(kernels.buildDir, gcdaPath(resultsDir, kernels.buildDir, file, run), file),
        own,
      );
    const suites = existsSync(path.join(resultsDir, 'gcov-suites')) ? await read('gcov-suites') : [];
    for (const fn of withSuitesCoverage(await read('gcov'), suites)) {
      const why = reasons.get(`${fn.file}:${fn.name}`);
      coverage.push(fn.calls === 0 && why ? { ...fn, notReachedBecause: why } : fn);
    }
  }
  await writeFile(path.join(kernels.dir, 'coverage.md'), coverageMarkdown(input.cell.name, coverage));
  return coverage;
}

/**
 * The suites' disk for the chosen suite tests. A disk that cannot be made (its source not downloadable) leaves the
 * boot to run without the suites: the reason becomes a finding, and the scenarios still run.
 */
async function prepareSuites(
  input: BootCellInput,
  metrics: BootCellMetrics,
): Promise<{ run?: SuiteRun; unavailable?: string }> {
  const { settings, cell, progress } = input;
  const tests = settings.suiteTests ?? [];
  if (tests.length === 0) return {};
  const t = Date.now();
  try {
    // every suite on one disk per arch: one image to cache, whichever suites a series needs
    const suites = await readSuites(settings.guestDir);
    const disk = await progress.alive(
      `suites disk (${cell.name})`,
      buildSuiteDisk({ guestDir: settings.guestDir, arch: cell.arch, cacheDir: settings.cacheDir, suites }),
    );
    metrics.suitesDiskMs = Date.now() - t;
    metrics.suitesDiskCached = disk.cached;
    const run: SuiteRun = {
      disk: disk.file,
      tests: tests.map((x) => x.id),
      mode: settings.suites === 'full' ? 'full' : 'default',
      timeoutSeconds: Math.round(settings.suiteTimeoutMs / 1000),
      reruns: settings.suiteReruns,
    };
    return { run };
  } catch (error) {
    const why = oneLine(error);
    progress.info(`boot: ${cell.name}: the suites cannot run: ${why}`);
    return { unavailable: why };
  }
}

/** The base boot of an earlier run with the same kernel, guest and workload, or why there is none. */
async function lookUpBaseBoot(
  input: BootCellInput,
  image: string,
  guest: {
    packages: PackageVersion[];
    guestDir: string;
    accel: string;
    memoryMiB: number;
    suites?: SuiteRun;
    learn: boolean;
  },
): Promise<{ store: EntryStore; use: BaseCacheUse; boot?: KernelBoot; learned?: LearnedReach }> {
  const { settings } = input;
  const store = { dir: path.join(settings.baseCacheDir!, 'boot'), tool: TOOL_VERSION };
  const key = await baseBootKeyOf({
    image,
    ...guest,
    cpus: GUEST_CPUS,
    ...(settings.scenarios ? { scenarios: settings.scenarios } : {}),
    suiteMode: settings.suites,
    suiteTimeoutMs: settings.suiteTimeoutMs,
    bootTimeoutMs: settings.bootTimeoutMs,
    scenarioTimeoutMs: settings.scenarioTimeoutMs,
  });
  return { store, ...(await cachedBaseBoot(store, key)) };
}

/**
 * The patched kernel's scenarios cut by the cached base's scenario map (metrics say how), or undefined: no map, or
 * scenarios the user named.
 */
async function narrowedScenarios(
  input: BootCellInput,
  learned: LearnedReach | undefined,
  metrics: BootCellMetrics,
): Promise<string[] | undefined> {
  const { settings } = input;
  if (!learned || !settings.scenarioMap || !settings.scenarios) return undefined;
  const candidates = (await readScenarios(settings.guestDir)).filter((s) => settings.scenarios!.includes(s.name));
  const choice = narrowByReach(candidates, learned, input.changed, await readNotReached(settings.guestDir));
  metrics.scenarioMap = {
    ran: choice.names,
    candidates: candidates.length,
    reasons: choice.reasons,
    ...(choice.widened ? { widened: choice.widened } : {}),
  };
  return choice.names;
}

export async function runBootCell(input: BootCellInput): Promise<BootCellRun> {
  const { cell, kernels, settings, progress } = input;
  const dir = input.scratchDir;
  await mkdir(dir, { recursive: true });

  const t = Date.now();
  const initramfs = await progress.alive(
    `guest userspace (${cell.name})`,
    buildInitramfs({
      guestDir: settings.guestDir,
      arch: cell.arch,
      cacheDir: settings.cacheDir,
      outFile: path.join(dir, 'initramfs.cpio'),
    }),
  );
  const metrics: BootCellMetrics = { accel: 'tcg', initramfsMs: Date.now() - t, initramfsCached: initramfs.cached };
  if (initramfs.warning) progress.info(`boot: ${initramfs.warning}`);

  const suites = await prepareSuites(input, metrics);

  const common = {
    arch: cell.arch,
    initrd: initramfs.file,
    memoryMiB: guestOf(cell.arch)!.memoryMiB,
    cpus: GUEST_CPUS,
    bootTimeoutMs: settings.bootTimeoutMs,
    scenarioTimeoutMs: settings.scenarioTimeoutMs,
  };
  const accel = await chooseAccel({ ...common, kernel: kernels.patched.image, dir, totalTimeoutMs: 20_000 });
  metrics.accel = accel.accel;
  progress.info(`boot: ${cell.name} under ${accel.accel.toUpperCase()} (${accel.why})`);

  const planned = settings.scenarios?.length ?? (await readScenarios(settings.guestDir)).length;
  // boot + every scenario at its limit, so the per-scenario watchdog always fires first
  const suiteMs = suites.run
    ? suites.run.tests.length * (settings.suiteReruns + 1) * (settings.suiteTimeoutMs + 5000)
    : 0;
  const totalTimeoutMs = settings.bootTimeoutMs + planned * settings.scenarioTimeoutMs + suiteMs + 30_000;
  const baseKernel = kernels.base && existsSync(kernels.base.image) ? kernels.base : undefined;
  // the map needs each profiled object's base notes, a choice made by the change to cut, and a cache to keep it in
  const gcnoDir = baseKernel?.gcnoDir;
  const mapped =
    settings.scenarioMap === true &&
    settings.baseCacheDir !== undefined &&
    input.changed.length > 0 &&
    gcnoDir !== undefined;
  const profiled = mapped ? await listGcno(gcnoDir) : [];
  const learn = mapped && profiled.length > 0;
  const baseCache =
    baseKernel && settings.baseCacheDir
      ? await lookUpBaseBoot(input, baseKernel.image, {
          packages: initramfs.packages,
          guestDir: settings.guestDir,
          accel: accel.accel,
          memoryMiB: common.memoryMiB,
          ...(suites.run ? { suites: suites.run } : {}),
          learn,
        })
      : undefined;
  if (baseCache) metrics.baseCache = baseCache.use;
  const patchedOnly = await narrowedScenarios(input, baseCache?.learned, metrics);
  const bootOne = (kind: 'base' | 'patched', kernel: string) => {
    const only = kind === 'patched' ? (patchedOnly ?? settings.scenarios) : settings.scenarios;
    return bootKernel({
      ...common,
      kernel,
      dir: path.join(dir, kind),
      accel: accel.accel,
      totalTimeoutMs,
      ...(only ? { only } : {}),
      collectResults: kind === 'patched' || learn,
      ...(kind === 'base' && learn ? { learn: true } : {}),
      ...(suites.run ? { suites: suites.run } : {}),
    });
  };
  const bootBase = baseKernel && !baseCache?.boot ? baseKernel : undefined;
  const together = bootBase !== undefined && bootTogether(GUEST_CPUS);
  const how = bootBase
    ? `base and patched kernels, ${together ? 'side by side' : 'one after the other'}`
    : baseCache?.boot
      ? 'patched kernel; the base boot from the base cache'
      : 'patched kernel';
  const [patched, booted] = await progress.alive(
    `booting ${cell.name} (${how})`,
    together
      ? Promise.all([bootOne('patched', kernels.patched.image), bootOne('base', bootBase.image)])
      : (async () => {
          const first = await bootOne('patched', kernels.patched.image);
          return [first, bootBase ? await bootOne('base', bootBase.image) : undefined] as const;
        })(),
  );
  const base = booted ?? baseCache?.boot;
  const learned =
    learn && booted?.resultsDir && gcnoDir
      ? await learnReach(
          booted.resultsDir,
          gcnoDir,
          profiled,
          // the scenarios, not the suite tests (suite:test) that ran after them with their own counters
          booted.report.scenarios.map((x) => x.name).filter((n) => !n.includes(':')),
        )
      : undefined;
  if (learned) metrics.scenarioMap = { learnedFunctions: Object.keys(learned.reach).length };
  if (booted && baseCache?.store && metrics.baseCache)
    metrics.baseCache.saved = await saveBaseBoot(baseCache.store, baseCache.use.key, booted, learned);
  for (const [kind, boot] of [
    ['patched', patched],
    ['base', base],
  ] as const) {
    if (!boot) continue;
    await writeFile(path.join(kernels.dir, `console-${kind}.log`), boot.console);
    await writeFile(path.join(kernels.dir, `ktap-${kind}.txt`), ktapDocument(boot.report));
    // a cached base boot took no time in this run
    if (kind === 'base' && !booted) continue;
    const first = boot.toFirstScenarioMs !== undefined ? { toFirstScenarioMs: boot.toFirstScenarioMs } : {};
    metrics[kind] = { totalMs: boot.durationMs, ...first, ...(boot.suitesMs ? { suitesMs: boot.suitesMs } : {}) };
  }

  const config = parseConfig(await readFile(path.join(kernels.dir, 'config'), 'utf8').catch(() => ''));
  const highmem = config.get('HIGHMEM4G') === 'y' || config.get('HIGHMEM64G') === 'y';
  // the changed files as patched: a splat can surface in a caller of a changed function
  const sources = new Map<string, string>();
  for (const file of new Set(input.changed.map((c) => c.file))) {
    sources.set(file, await readFile(path.join(input.treeDir, file), 'utf8'));
  }
  const decoded = await decodeSplats(input.treeDir, kernels.patched.vmlinux, findSplats(patched.report));
  const coverage = await readCoverage(input, patched.resultsDir);
  const record: BootRecord = {
    cell: cell.name,
    accel: accel.accel,
    ...(suites.unavailable ? { suitesUnavailable: suites.unavailable } : {}),
    patched,
    ...(base ? { base } : {}),
    highmem,
    changed: input.changed,
    sources,
    decoded,
    coverage,
  };
  return { record, metrics, patched, ...(base ? { base } : {}) };
}

/** The boots of a failing cell as shell lines: each kernel's disks and QEMU command line, and the scenarios run. */
export function reproduceBoot(cell: Cell, run: BootCellRun): string[] {
  const scenarios = run.patched.report.scenarios.map((s) => s.name);
  return [
    `# ${cell.name} under QEMU; the guest's init ran the scenarios ${scenarios.join(', ') || '(none)'}` +
      ' (kpci.only= on the command line picks them)',
    '# the patched kernel',
    ...run.patched.command,
    ...(run.base
      ? [
          run.metrics.baseCache?.hit
            ? `# the base kernel, for comparison: its boot came from the base cache (${run.metrics.baseCache.key}); ` +
              'an earlier run booted it so'
            : '# the base kernel, for comparison',
          ...run.base.command,
        ]
      : []),
  ];
}
