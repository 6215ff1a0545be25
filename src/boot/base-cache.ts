// A base kernel's boot kept between runs: its console, KTAP, ciphertext hashes and suite outcomes, keyed by that
// kernel image, the guest and what the guest was asked to run. A v2 run of the same base boots only the patched kernel.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { filesHash } from '../guest/suite-disk.js';
import type { PackageVersion } from '../tools/apt.js';
import type { BaseCacheUse } from '../results/model.js';
import { baseBootKey, type BaseBootParts } from '../cache/base-keys.js';
import { loadEntry, saveEntry, sha256File, type EntryStore } from '../cache/entries.js';
import type { KernelBoot, SuiteRun } from './guest-run.js';
import type { LearnedReach } from './reach.js';

const packageLines = (packages: readonly PackageVersion[]) => packages.map((p) => `${p.name}=${p.version}\n`).join('');

interface BaseBootMeta {
  boot: KernelBoot;
  /** Which scenario ran which function, when the boot learned it. */
  learned?: LearnedReach;
}

export interface BaseBootAsk {
  image: string;
  /** The initramfs's package versions and the guest dir (its init, scenarios, suites): a cpio made again in
   *  another run has other mtimes, so the file itself is no key. */
  packages: readonly PackageVersion[];
  guestDir: string;
  suites?: SuiteRun;
  accel: string;
  memoryMiB: number;
  cpus: number;
  scenarios?: readonly string[];
  learn: boolean;
  suiteMode: string;
  suiteTimeoutMs: number;
  bootTimeoutMs: number;
  scenarioTimeoutMs: number;
}

export async function baseBootKeyOf(ask: BaseBootAsk): Promise<string> {
  const parts: BaseBootParts = {
    kernel: await sha256File(ask.image),
    initramfs: (await filesHash(ask.guestDir, createHash('sha256').update(packageLines(ask.packages)))).digest('hex'),
    // the disk's cached name carries its key (every package version and suite file)
    ...(ask.suites ? { suitesDisk: path.basename(ask.suites.disk) } : {}),
    accel: ask.accel,
    memoryMiB: ask.memoryMiB,
    cpus: ask.cpus,
    ...(ask.scenarios ? { scenarios: ask.scenarios } : {}),
    learn: ask.learn,
    suiteTests: ask.suites?.tests ?? [],
    suiteMode: ask.suites ? ask.suiteMode : 'none',
    suiteReruns: ask.suites?.reruns ?? 0,
    suiteTimeoutMs: ask.suiteTimeoutMs,
    bootTimeoutMs: ask.bootTimeoutMs,
    scenarioTimeoutMs: ask.scenarioTimeoutMs,
  };
  return baseBootKey(parts);
}

export async function cachedBaseBoot(
  store: EntryStore,
  key: string,
): Promise<{ use: BaseCacheUse; boot?: KernelBoot; learned?: LearnedReach }> {
  const entry = await loadEntry<BaseBootMeta>(store, key);
  if (!entry.hit) return { use: { key, hit: false, why: entry.why } };
  return {
    use: { key, hit: true },
    boot: entry.meta.boot,
    ...(entry.meta.learned ? { learned: entry.meta.learned } : {}),
  };
}

/**
 * Keep a base boot that ran to its end. One the watchdog stopped is not kept: a hang can be the machine's (two
 * guests on two cores once stalled a base kernel in early boot), and a cached one would be blamed on every v2.
 */
export async function saveBaseBoot(
  store: EntryStore,
  key: string,
  boot: KernelBoot,
  learned?: LearnedReach,
): Promise<string> {
  if (boot.killed || !boot.report.ended) return 'not saved: the base boot did not run to its end';
  const kept: KernelBoot = { ...boot };
  delete kept.resultsDir; // the base's results disk is not collected
  const saved = await saveEntry(store, key, {
    copy: [],
    meta: { boot: kept, ...(learned ? { learned } : {}) } satisfies BaseBootMeta,
  });
  return saved.saved ? 'saved' : `not saved: ${saved.why}`;
}
