// apply: git am --3way, patch by patch, on the base; on failure name the patch, file and hunk, and abort cleanly.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { KEEP_BUILD_DIRS } from '../tree/prepare.js';
import type { Finding, StageResult } from '../results/model.js';
import { hunkAt } from '../series/diff.js';
import type { Patch } from '../series/intake.js';
import type { AppliedSeries, RunContext, Stage, StageOutput } from './stage.js';

export interface ApplyFailure {
  file: string;
  /** 1-based index of the rejected hunk within the file's diff, when git names it. */
  hunk?: number;
  /** Line in the base file where git looked for the hunk. */
  line?: number;
}

const FILE_ERROR = new RegExp(
  '^error: (.+): (does not exist in index|No such file or directory|' +
    'already exists in (?:index|working directory))$',
);

/**
 * Pure: what failed, from `git apply --reject --verbose` (which names every rejected hunk) or from git am's own
 * output (which names the file, and the line of the first failing hunk when 3-way merging was not possible).
 */
export function parseApplyFailure(output: string): ApplyFailure[] {
  const failures: ApplyFailure[] = [];
  const has = (file: string) => failures.some((f) => f.file === file);
  let current: string | undefined;
  for (const l of output.split('\n')) {
    let m = /^(?:Checking patch|Applying patch) (.+?)(?: with \d+ rejects?)?\.\.\.$/.exec(l);
    if (m) current = m[1]!;
    else if ((m = /^Rejected hunk #(\d+)\.$/.exec(l)) && current) failures.push({ file: current, hunk: Number(m[1]) });
    else if ((m = /^error: patch failed: (.+):(\d+)$/.exec(l)) && !has(m[1]!))
      failures.push({ file: m[1]!, line: Number(m[2]) });
    else if ((m = /^CONFLICT \([^)]*\): Merge conflict in (.+)$/.exec(l)) && !has(m[1]!))
      failures.push({ file: m[1]! });
    else if ((m = FILE_ERROR.exec(l)) && !has(m[1]!)) {
      failures.push({ file: m[1]! });
    }
  }
  // "patch failed: file:N" precedes the per-hunk lines of the same file; keep the more precise ones
  return failures.filter(
    (f) => f.hunk !== undefined || !failures.some((g) => g.file === f.file && g.hunk !== undefined),
  );
}

function describe(patch: Patch, total: number): string {
  return `patch ${patch.index}/${total} "${patch.subject}"`;
}

/** Files a patch expects to find: modified, deleted or renamed, and not created by an earlier patch. */
function expectedFiles(patch: Patch, createdEarlier: Set<string>): string[] {
  return patch.files
    .filter((f) => f.status !== 'added' && !createdEarlier.has(f.oldPath ?? f.path))
    .map((f) => f.oldPath ?? f.path);
}

/** Which hunks failed: `git apply --reject` names each one; the work tree is reset afterwards. */
async function explainFailure(ctx: RunContext, patch: Patch, amOutput: string): Promise<Finding[]> {
  const { git } = ctx.tree;
  const probe = await git.exec(['apply', '--reject', '--verbose', patch.file], {
    timeoutMs: ctx.settings.stepTimeoutMs,
  });
  await git.exec(['reset', '--hard', '--quiet']);
  await git.exec(['clean', '-fdxq', ...KEEP_BUILD_DIRS]); // .rej files are in .gitignore; the build dirs stay
  let failures = parseApplyFailure(`${probe.stdout}\n${probe.stderr}`);
  if (failures.length === 0) failures = parseApplyFailure(amOutput);
  const total = ctx.series.patches.length;
  const findings: Finding[] = failures.map((f) => {
    const change = patch.files.find((c) => c.path === f.file || c.oldPath === f.file);
    const hunk =
      f.hunk !== undefined
        ? change?.hunks[f.hunk - 1]
        : f.line !== undefined
          ? hunkAt(patch.files, f.file, f.line)
          : undefined;
    const firstLine = hunk?.firstOldLine?.trim();
    const what = hunk
      ? `hunk${f.hunk ? ` #${f.hunk}` : ''} ${hunk.header}` +
        `${firstLine && !hunk.header.includes(firstLine) ? ` (expecting "${firstLine}")` : ''}`
      : 'its changes';
    return {
      tool: 'git',
      severity: 'error',
      type: 'APPLY_FAILED',
      patch: patch.index,
      new: true,
      file: f.file,
      line: hunk?.oldStart ?? f.line,
      message: `${describe(patch, total)} does not apply: ${what} of ${f.file} failed`,
    };
  });
  if (findings.length === 0) {
    const reason =
      amOutput.split('\n').find((l) => l.startsWith('error:') || l.startsWith('fatal:')) ?? 'git am failed';
    findings.push({
      tool: 'git',
      severity: 'error',
      type: 'APPLY_FAILED',
      patch: patch.index,
      new: true,
      message: `${describe(patch, total)} does not apply: ${reason}`,
    });
  }
  return findings;
}

async function applySeries(ctx: RunContext): Promise<StageOutput<AppliedSeries>> {
  const { git, dir } = ctx.tree;
  const patches = ctx.series.patches;
  const total = patches.length;
  const commits: string[] = [];
  const created = new Set<string>();
  const result = (status: StageResult['status'], summary: string, findings: Finding[]): StageOutput<AppliedSeries> => ({
    result: { name: 'apply', status, durationMs: 0, summary, findings },
  });

  for (const patch of patches) {
    const expected = expectedFiles(patch, created);
    const missing = expected.filter((f) => !existsSync(path.join(dir, f)));
    if (expected.length > 0 && missing.length === expected.length) {
      // Nothing it changes is here: a patch for another project or tree, not a conflict to resolve.
      const summary =
        `${describe(patch, total)} is not for this tree: ` +
        `${missing.slice(0, 3).join(', ')} ${missing.length > 1 ? 'do' : 'does'} not exist in it`;
      return result('error', summary, [
        { tool: 'git', severity: 'error', type: 'WRONG_TREE', message: summary, patch: patch.index, new: true },
      ]);
    }
    const am = await git.exec(['am', '--3way', patch.file], { timeoutMs: ctx.settings.stepTimeoutMs });
    if (am.code !== 0) {
      await git.exec(['am', '--abort']);
      const findings = await explainFailure(ctx, patch, `${am.stdout}\n${am.stderr}`);
      const files = [...new Set(findings.map((f) => f.file).filter(Boolean))];
      const summary = `${describe(patch, total)} does not apply${files.length ? ` to ${files.join(', ')}` : ''}`;
      return result('fail', summary, findings);
    }
    commits.push((await git.revParse('HEAD'))!);
    for (const f of patch.files) if (f.status === 'added') created.add(f.path);
  }
  const handoff: AppliedSeries = {
    baseCommit: ctx.tree.baseCommit,
    commits,
    patchedCommit: commits.at(-1) ?? ctx.tree.baseCommit,
  };
  return {
    ...result('pass', `${total} patch${total === 1 ? '' : 'es'} applied on ${ctx.tree.baseCommit.slice(0, 12)}`, []),
    handoff,
  };
}

export const applyStage: Stage<never, AppliedSeries> = { name: 'apply', needs: [], uses: [], run: applySeries };
