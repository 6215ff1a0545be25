// The one list of stages: each name of the results model mapped to its module, and what a run of some of them
// must run first. The order is the model's STAGE_ORDER.
import { STAGE_ORDER, type StageName } from '../results/model.js';
import type { HandingStage, Stage } from './stage.js';
import { applyStage } from './apply.js';
import { checkpatchStage } from './checkpatch.js';
import { sparseStage } from './sparse.js';
import { buildStage } from './build.js';
import { bootStage } from './boot.js';
import { readinessStage } from './readiness.js';

export type AnyStage = Stage<HandingStage, unknown>;

export const STAGES: Readonly<Record<StageName, AnyStage>> = {
  apply: applyStage,
  checkpatch: checkpatchStage,
  sparse: sparseStage,
  build: buildStage,
  boot: bootStage,
  readiness: readinessStage,
};

/**
 * The stages a run of `asked` runs, in order: each asked one and, transitively, what it needs and uses. A --continue
 * step takes what it uses from the earlier steps of the run instead (the Action builds in one step, boots in the
 * next), but what it needs (apply: the patched tree) it runs again.
 */
export function stagesToRun(asked: readonly StageName[], continueRun = false): StageName[] {
  const chosen = new Set<StageName>(asked);
  for (let grew = true; grew;) {
    grew = false;
    for (const name of [...chosen]) {
      const stage = STAGES[name];
      for (const dep of [...stage.needs, ...(continueRun ? [] : stage.uses)]) {
        if (!chosen.has(dep)) grew = Boolean(chosen.add(dep));
      }
    }
  }
  return STAGE_ORDER.filter((name) => chosen.has(name));
}
