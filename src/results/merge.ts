// Many results of one series (the jobs of a matrix: one per config cell, one for the checks) into one results file.
import { inputError } from '../errors.js';
import { SCHEMA_VERSION, STAGE_ORDER, type Results, type StageResult } from './model.js';
import { overallVerdict, verdictReason, worstStatus } from './verdict.js';

/** One stage seen by several jobs: per-cell stages gather their cells, the others are the same in every job. */
function mergeStage(parts: StageResult[]): StageResult {
  const [first] = parts as [StageResult, ...StageResult[]];
  if (parts.length === 1) return first;
  const withCells = parts.filter((p) => p.cells?.length);
  const status = worstStatus(parts.map((p) => p.status));
  const durationMs = Math.max(...parts.map((p) => p.durationMs));
  if (withCells.length === 0) {
    // apply/checkpatch/sparse ran identically in every job: keep the worst job's view of it
    return parts.find((p) => p.status === status) ?? first;
  }
  const cells = withCells.flatMap((p) => p.cells!);
  const findings = withCells.flatMap((p) => p.findings);
  const bad = cells.filter((c) => c.status === 'fail' || c.status === 'error');
  const summary = (bad.length ? bad : cells).map((c) => `${c.config}: ${c.summary}`).join('; ');
  return { name: first.name, status, durationMs, summary, cells, findings };
}

export function mergeResults(all: readonly Results[]): Results {
  if (all.length === 0) throw inputError('no results to merge: did every job fail before writing results.json?');
  for (const r of all) {
    if (r.schemaVersion !== SCHEMA_VERSION)
      throw inputError(`cannot merge results of schema ${String(r.schemaVersion)} (expected ${SCHEMA_VERSION})`);
  }
  // a job that failed before it knew the tree (exit 2) has no base commit; the others must agree
  const known = all.filter((r) => r.tree.baseCommit);
  const bases = new Set(known.map((r) => r.tree.baseCommit));
  if (bases.size > 1)
    throw inputError(
      `cannot merge results of different base commits: ${[...bases].map((b) => b!.slice(0, 12)).join(', ')}`,
    );
  const lead = known[0] ?? all[0]!;
  const stages: StageResult[] = [];
  for (const name of STAGE_ORDER) {
    const parts = all.flatMap((r) => r.stages.filter((s) => s.name === name));
    if (parts.length) stages.push(mergeStage(parts));
  }
  const merged: Results = { ...lead, stages, verdict: overallVerdict(stages) };
  delete merged.reason;
  // a job that could not run at all makes the whole run an error, with its reason
  const broken = all.find((r) => r.verdict === 'error' && r.stages.every((s) => s.status !== 'error'));
  if (broken) {
    merged.verdict = 'error';
    merged.reason = broken.reason ?? 'a job could not run';
  } else {
    const reason = verdictReason(stages);
    if (reason) merged.reason = reason;
  }
  return merged;
}
