// The keys of what the base proves, from everything that decides it and nothing else: a key that hits means the base
// would come out the same if it were computed again. Pure; the stages gather the parts.
import { createHash } from 'node:crypto';

/** What decides a cell's base build: the base tree, the config it is made from, the compiler, what gets gcov/-g. */
export interface BaseBuildParts {
  baseCommit: string;
  cell: string;
  arch: string;
  /** The cell's fragment and the series' own fragment, as text. */
  fragment: string;
  seriesFragment: string;
  /** `gcc --version`'s first line of the cell's compiler. */
  compiler: string;
  /** The series' touched .c files (their objects are built with gcov and -g, and W=1 on the base). */
  touched: readonly string[];
}

/** What decides the base's sparse check in one config: the tree, the config, the compiler and sparse, the files. */
export interface BaseSparseParts {
  baseCommit: string;
  config: string;
  arch: string;
  /** The lines set on top of the arch's defconfig (ours, the series' symbols, WERROR off). */
  configLines: readonly string[];
  compiler: string;
  /** `sparse --version`. */
  sparse: string;
  /** The touched .c files to check. */
  files: readonly string[];
}

/** What decides a base kernel's boot record: that kernel, the guest, and what the guest was asked to run. */
export interface BaseBootParts {
  /** sha256 of the base kernel image that boots. */
  kernel: string;
  /** The guest: its packages' versions and its files, hashed; the suites disk's cached name (its key), when suites
   *  run. */
  initramfs: string;
  suitesDisk?: string;
  accel: string;
  memoryMiB: number;
  cpus: number;
  /** The scenarios asked for (undefined: every one), the suite tests, their mode and limits. */
  scenarios?: readonly string[];
  /** One queue with each scenario's counters apart (the scenario map learned), or the two queues side by side. */
  learn: boolean;
  suiteTests: readonly string[];
  suiteMode: string;
  suiteReruns: number;
  suiteTimeoutMs: number;
  bootTimeoutMs: number;
  scenarioTimeoutMs: number;
}

function keyOf(kind: string, parts: object): string {
  // sorted keys: the same parts give the same key whatever order they were written in
  const canonical = JSON.stringify(parts, Object.keys(parts).sort());
  return `${kind}-${createHash('sha256').update(canonical).digest('hex').slice(0, 24)}`;
}

export function baseBuildKey(parts: BaseBuildParts): string {
  return keyOf('build', { ...parts, touched: [...parts.touched].sort() });
}

export function baseBootKey(parts: BaseBootParts): string {
  return keyOf('boot', {
    ...parts,
    scenarios: parts.scenarios ? [...parts.scenarios] : 'all',
    suitesDisk: parts.suitesDisk ?? 'none',
    suiteTests: [...parts.suiteTests],
  });
}

export function baseSparseKey(parts: BaseSparseParts): string {
  return keyOf('sparse', { ...parts, configLines: [...parts.configLines], files: [...parts.files].sort() });
}
