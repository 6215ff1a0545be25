// A stage's hand-on kept in the work dir, so that a --continue step (the Action's next step, a new process) gets
// what an earlier step made: the boot step boots the kernels the build step built.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Handoffs, HandingStage } from './stage.js';

const fileOf = (workDir: string, stage: HandingStage) => path.join(workDir, 'handoffs', `${stage}.json`);

export async function saveHandoff<S extends HandingStage>(
  workDir: string,
  stage: S,
  baseCommit: string,
  handoff: Handoffs[S],
): Promise<void> {
  await mkdir(path.dirname(fileOf(workDir, stage)), { recursive: true });
  await writeFile(fileOf(workDir, stage), JSON.stringify({ baseCommit, handoff }, null, 2) + '\n');
}

/** An earlier step's hand-on for the same base commit; undefined when there is none, or it is of another tree. */
export async function loadHandoff<S extends HandingStage>(
  workDir: string,
  stage: S,
  baseCommit: string,
): Promise<Handoffs[S] | undefined> {
  const text = await readFile(fileOf(workDir, stage), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const kept = JSON.parse(text) as { baseCommit?: string; handoff?: Handoffs[S] };
    return kept.baseCommit === baseCommit ? kept.handoff : undefined;
  } catch {
    return undefined; // a torn write: as if that step made nothing
  }
}
