// --previous DIR|RANGE|PATCHES: the series' previous version, committed on this run's base without touching the
// worktree (a scratch index), for git range-diff; and, from an earlier out dir, its findings.
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { inputError, oneLine } from '../errors.js';
import type { PreviousVersion, Results } from '../results/model.js';
import { readResultsFile, RESULTS_FILE } from '../results/store.js';
import { readSeries } from '../series/intake.js';
import type { Patch } from '../series/intake.js';
import type { Git } from '../tools/git.js';
import type { TreeSource } from '../tree/source.js';
import { compareVersions, versionRecord } from './compare.js';

/** The range-diff of a long series is long; the report keeps its head. */
const RANGE_DIFF_LINES = 400;

export interface PreviousInput {
  from: string;
  patches?: Patch[];
  results?: Results;
}

/** The patches an earlier out dir read (work/series/NNNN/input.mbox, in order), if it still has them. */
async function outDirInputs(dir: string): Promise<string[]> {
  const series = path.join(dir, 'work', 'series');
  const parts = existsSync(series) ? (await readdir(series)).filter((n) => /^\d{4}$/.test(n)).sort() : [];
  return parts.map((n) => path.join(series, n, 'input.mbox')).filter((f) => existsSync(f));
}

/**
 * Read before this run reads its own series: --previous may be this run's own --out (a rerun in place), whose
 * series and results this run is about to replace.
 */
export async function readPrevious(spec: string, tree: TreeSource, workDir: string): Promise<PreviousInput> {
  const scratch = path.join(workDir, 'previous');
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  const dir = path.resolve(spec);
  if (existsSync(path.join(dir, RESULTS_FILE))) {
    const results = await readResultsFile(path.join(dir, RESULTS_FILE)).catch((error: unknown) => {
      throw inputError(`--previous ${spec}: ${oneLine(error)}`);
    });
    const inputs = await outDirInputs(dir);
    const patches = inputs.length ? (await readSeries(inputs, tree, scratch)).series.patches : undefined;
    return { from: `the run in ${dir}`, ...(results ? { results } : {}), ...(patches ? { patches } : {}) };
  }
  const read = await readSeries([spec], tree, scratch).catch((error: unknown) => {
    throw inputError(`--previous ${spec}: ${oneLine(error)}`);
  });
  return { from: spec, patches: read.series.patches };
}

/** The patches as commits on base, made in a scratch index: the worktree stays at the patched commit. */
async function commitOnBase(
  git: Git,
  base: string,
  patches: readonly Patch[],
  index: string,
): Promise<{ head: string } | { why: string }> {
  const env = { GIT_INDEX_FILE: index };
  let parent = base;
  for (const p of patches) {
    const read = await git.exec(['read-tree', parent], { env });
    const applied = read.code === 0 ? await git.exec(['apply', '--cached', p.file], { env }) : read;
    if (applied.code !== 0) {
      const first = (applied.stderr || applied.stdout).trim().split('\n')[0] ?? '';
      return { why: `patch ${p.index} of the previous version does not apply to this base (${first})` };
    }
    const tree = (await git.exec(['write-tree'], { env })).stdout.trim();
    const author = { GIT_AUTHOR_NAME: p.author || 'unknown', GIT_AUTHOR_EMAIL: p.authorEmail || 'unknown' };
    const made = await git.exec(['commit-tree', tree, '-p', parent, '-m', `${p.subject}\n\n${p.body}`], {
      env: { ...env, ...author },
    });
    if (made.code !== 0) return { why: `git commit-tree failed for patch ${p.index}: ${made.stderr.trim()}` };
    parent = made.stdout.trim();
  }
  return { head: parent };
}

export interface VersionsInput {
  previous: PreviousInput;
  git: Git;
  workDir: string;
  baseCommit: string;
  /** This run's patched commit; undefined when apply did not get that far. */
  patchedCommit?: string;
  results: Results;
}

/** What changed since the previous version: range-diff and findings. */
export async function previousVersion(input: VersionsInput): Promise<PreviousVersion> {
  const prev = input.previous;
  const delta = prev.results
    ? compareVersions(versionRecord(prev.results), versionRecord(input.results))
    : { fixed: [], added: [], remaining: [] };
  const out: PreviousVersion = { from: prev.from, findingsKnown: prev.results !== undefined, ...delta };
  if (!prev.patches) out.rangeDiffWhy = 'the previous run no longer has its patches (work/series)';
  else if (!input.patchedCommit) out.rangeDiffWhy = 'this version did not apply';
  else {
    const index = path.join(input.workDir, 'previous', 'index');
    const made = await commitOnBase(input.git, input.baseCommit, prev.patches, index);
    if ('why' in made) out.rangeDiffWhy = made.why;
    else {
      const diff = await input.git.exec([
        'range-diff',
        '--no-color',
        `${input.baseCommit}..${made.head}`,
        `${input.baseCommit}..${input.patchedCommit}`,
      ]);
      if (diff.code !== 0) out.rangeDiffWhy = `git range-diff failed: ${diff.stderr.trim().split('\n')[0] ?? ''}`;
      else {
        const lines = diff.stdout.trimEnd().split('\n');
        out.rangeDiff =
          lines.length > RANGE_DIFF_LINES
            ? [...lines.slice(0, RANGE_DIFF_LINES), `… ${lines.length - RANGE_DIFF_LINES} more lines`].join('\n')
            : lines.join('\n');
      }
    }
  }
  return out;
}
