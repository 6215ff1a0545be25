// The one interface every stage implements, the context the pipeline hands to each, and what stages hand on.
import type { FailOn, StageName, StageResult } from '../results/model.js';
import type { Series } from '../series/intake.js';
import type { PreparedTree } from '../tree/prepare.js';
import type { Progress } from '../report/progress.js';
import type { Cell } from '../kernel/cells.js';
import type { BootSettings } from '../boot/runner.js';
import type { MailSettings } from '../readiness/mail.js';
import type { BuiltKernels } from '../build/artifacts.js';

export interface StageSettings {
  failOn: FailOn;
  jobs: number;
  checkpatchStrict: boolean;
  checkpatchIgnore: string[];
  /** Limit for one external step (a make, a checkpatch run). */
  stepTimeoutMs: number;
  /** The build matrix, resolved from --configs. */
  cells: Cell[];
  ccacheDir: string;
  ccacheSize: string;
  /** Where what the base proved is kept between runs (<cache>/base); undefined with --no-base-cache. */
  baseCacheDir?: string;
  boot: BootSettings;
  /** The readiness stage's SMTP settings and --send-to-self; no real mail is sent without them. */
  mail?: MailSettings;
}

export interface RunContext {
  settings: StageSettings;
  tree: PreparedTree;
  series: Series;
  /** Where stages keep their scratch files (build dirs, logs); never the user's tree. */
  workDir: string;
  /** Where stages keep artifacts for the user (logs worth reading). */
  outDir: string;
  progress: Progress;
}

/** What apply hands on: the commit after each patch, in order. The worktree's HEAD is not part of it. */
export interface AppliedSeries {
  baseCommit: string;
  commits: string[];
  /** The last of commits: the tree with the whole series. */
  patchedCommit: string;
}

/** Every stage's hand-on, by the stage that makes it. The pipeline keeps them (on disk for --continue steps). */
export interface Handoffs {
  apply: AppliedSeries;
  build: BuiltKernels;
}
export type HandingStage = keyof Handoffs;
export const HANDING_STAGES: readonly HandingStage[] = ['apply', 'build'];
export const handsOn = (name: StageName): name is HandingStage => (HANDING_STAGES as readonly string[]).includes(name);

/** A stage's input: the hand-ons of the stages it needs or uses, and every result before it. */
export type StageInput<From extends HandingStage> = { [K in From]: Handoffs[K] } & {
  /** The results of the stages before this one, this step's and a --continue run's earlier steps' (read-only). */
  earlier: readonly StageResult[];
};

export interface StageOutput<Out> {
  result: StageResult;
  /** What the stages after it may use; absent when it made nothing (apply that failed). */
  handoff?: Out;
}

export interface Stage<From extends HandingStage = HandingStage, Out = void> {
  name: StageName;
  /** Stages that must have passed (or warned) for this one to run; the pipeline runs them first. */
  needs: readonly (StageName & From)[];
  /** Stages whose hand-on it takes whatever their verdict (boot boots the kernels a failing build still made). */
  uses: readonly (StageName & From)[];
  run(ctx: RunContext, input: StageInput<From>): Promise<StageOutput<Out>>;
}
