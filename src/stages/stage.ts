// The one interface every stage implements, and the context the pipeline hands to each.
import type { FailOn, StageName, StageResult } from '../results/model.js';
import type { Series } from '../series/intake.js';
import type { PreparedTree } from '../tree/prepare.js';
import type { Progress } from '../report/progress.js';
import type { Cell } from '../kernel/cells.js';
import type { BootSettings } from '../boot/cell.js';
import type { MailSettings } from '../readiness/mail.js';

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
  /** Filled by the apply stage: the commit after each patch, in order; the last is the patched tree. */
  applied?: { commits: string[] };
  /** The results of the stages that ran before this one, in order (the readiness stage quotes them). */
  previous?: StageResult[];
}

export interface Stage {
  name: StageName;
  /** Stages that must have passed (or warned) for this one to run. */
  needs: StageName[];
  run(ctx: RunContext): Promise<StageResult>;
}
