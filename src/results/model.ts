// The results model: the one language stages, renderers, the CLI and the Action share (schemaVersion 1,
// docs/CONTRACT.md).

export const SCHEMA_VERSION = 1;

/** The stages, in the order they run and are reported; src/stages/index.ts maps each to its module. */
export const STAGE_ORDER = ['apply', 'checkpatch', 'sparse', 'build', 'boot', 'readiness'] as const;
export type StageName = (typeof STAGE_ORDER)[number];

export type Verdict = 'pass' | 'fail' | 'error';
export type StageStatus = 'pass' | 'warn' | 'fail' | 'skip' | 'error';
export type Severity = 'error' | 'warning' | 'info';
export type FindingTool =
  'git' | 'checkpatch' | 'sparse' | 'gcc' | 'kbuild' | 'kernel' | 'workload' | 'suite' | 'readiness';
export type FailOn = 'error' | 'warning' | 'new-warning';

export interface Finding {
  tool: FindingTool;
  severity: Severity;
  type?: string;
  message: string;
  file?: string;
  line?: number;
  patch?: number;
  config?: string;
  /** true when the series introduced it, false when the base already had it */
  new?: boolean;
}

/** A cell's use of the base cache: the key, whether it hit, why not, and what saving the computed base said. */
export interface BaseCacheUse {
  key: string;
  hit: boolean;
  why?: string;
  saved?: string;
}

/** What one build cell's makes took, and how much ccache served. */
export interface BuildCellMetrics {
  /** On a hit, configureMs is the restore of the base's O= dir, and baseBuildMs 0. */
  baseCache?: BaseCacheUse;
  configureMs: number;
  baseBuildMs: number;
  perPatchMs: number;
  patchedBuildMs: number;
  ccacheHitRate: { base?: number; patched?: number };
}

/** What one boot cell took: the accelerator, the guest userspace, and each kernel's boot. */
export interface BootCellMetrics {
  accel: string;
  initramfsMs: number;
  initramfsCached: boolean;
  /** The suites' disk, when suite tests ran: how long it took to make (or find) and whether it was cached. */
  suitesDiskMs?: number;
  suitesDiskCached?: boolean;
  /** On a hit the base kernel did not boot: its record is the cached one. */
  baseCache?: BaseCacheUse;
  /** Which scenario runs which changed function, learned on the base kernel, and what it cut. */
  scenarioMap?: ScenarioMapUse;
  /** Per kernel: QEMU start to the first scenario, the whole boot, and the time each suite's tests took. */
  base?: KernelBootMetrics;
  patched?: KernelBootMetrics;
}

export interface ScenarioMapUse {
  /** This run's base boot ran the scenarios one at a time and mapped this many functions of the touched files. */
  learnedFunctions?: number;
  /** The cached base's map applied: the scenarios the patched kernel ran, of how many candidates, and why each. */
  ran?: string[];
  candidates?: number;
  reasons?: string[];
  /** Why every candidate ran after all. */
  widened?: string;
}

export interface KernelBootMetrics {
  toFirstScenarioMs?: number;
  totalMs: number;
  suitesMs?: Record<string, number>;
}

export interface CellResult {
  config: string;
  status: StageStatus;
  durationMs: number;
  summary: string;
  /** The build stage's cells carry build metrics, the boot stage's boot metrics. */
  metrics?: BuildCellMetrics | BootCellMetrics;
  /** The cell's artifact directory (build log, .config, kernels, consoles, KTAP, coverage). */
  artifacts?: string;
  /** For a cell that failed: the shell lines that do it again (make O= ARCH=, the QEMU command line, the scenarios). */
  reproduce?: string[];
}

export interface StageResult {
  name: StageName;
  status: StageStatus;
  durationMs: number;
  summary: string;
  cells?: CellResult[];
  findings: Finding[];
}

export interface SeriesEntry {
  index: number;
  subject: string;
  author: string;
  files: string[];
}

export interface TreeInfo {
  source: string;
  ref?: string;
  baseCommit?: string;
  /** Why the series was applied there: "--ref", "the series' base-commit:", "the tarball", … */
  baseFrom?: string;
}

/** A finding the series was blamed for, as the comparison with another version of the series keeps it. */
export interface VersionFinding {
  stage: StageName;
  severity: Severity;
  type?: string;
  file?: string;
  line?: number;
  config?: string;
  message: string;
}

/** The series' previous version: git range-diff of it against this one, and what became of its findings. */
export interface PreviousVersion {
  /** Where it was read from: an earlier out dir, a commit range, patch files. */
  from: string;
  /** git range-diff of the previous version's commits against this one's, on this base. */
  rangeDiff?: string;
  /** Why there is no range-diff (its patches do not apply to this base, …). */
  rangeDiffWhy?: string;
  /** Whether the previous version's findings were known (its results); without them the lists are empty. */
  findingsKnown: boolean;
  fixed: VersionFinding[];
  added: VersionFinding[];
  remaining: VersionFinding[];
}

export interface Results {
  schemaVersion: typeof SCHEMA_VERSION;
  tool: { name: 'kernel-patch-ci'; version: string };
  verdict: Verdict;
  reason?: string;
  tree: TreeInfo;
  series: SeriesEntry[];
  stages: StageResult[];
  /** With --previous (or the PR's earlier push): what changed since that version. */
  previous?: PreviousVersion;
}
