// apply: git am --3way, patch by patch, on the base; on failure name the patch, file and hunk, and abort cleanly.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Finding, StageResult } from '../results/model.js';
import { hunkAt } from '../series/diff.js';
import type { Patch } from '../series/intake.js';
import type { RunContext, Stage } from './stage.js';

export interface ApplyFailure {
  file: string;
  line?: number;
}

/** Pure: the files (and base lines) git am/apply reported as failing, in the order reported. */
export function parseAmFailure(output: string): ApplyFailure[] {
  const failures: ApplyFailure[] = [];
  const seen = new Set<string>();
  const add = (file: string, line?: number) => {
    const key = `${file}:${line ?? ''}`;
    if (seen.has(key) || failures.some((f) => f.file === file && f.line !== undefined && line === undefined)) return;
    seen.add(key);
    failures.push({ file, line });
  };
  for (const l of output.split('\n')) {
    let m = /^error: patch failed: (.+):(\d+)$/.exec(l);
    if (m) add(m[1]!, Number(m[2]));
    else if ((m = /^CONFLICT \([^)]*\): Merge conflict in (.+)$/.exec(l))) add(m[1]!);
    else if ((m = /^error: (.+): (does not exist in index|No such file or directory|already exists in (index|working directory))$/.exec(l))) add(m[1]!);
  }
  return failures;
}

function describe(patch: Patch, total: number): string {
  return `patch ${patch.index}/${total} "${patch.subject}"`;
}

/** Files a patch expects to find: modified, deleted or renamed, and not created by an earlier patch. */
function expectedFiles(patch: Patch, createdEarlier: Set<string>): string[] {
  return patch.files.filter((f) => f.status !== 'added' && !createdEarlier.has(f.oldPath ?? f.path)).map((f) => f.oldPath ?? f.path);
}

async function applySeries(ctx: RunContext): Promise<StageResult> {
  const { git, dir } = ctx.tree;
  const patches = ctx.series.patches;
  const total = patches.length;
  const commits: string[] = [];
  const created = new Set<string>();
  const result = (status: StageResult['status'], summary: string, findings: Finding[]): StageResult => ({
    name: 'apply', status, durationMs: 0, summary, findings,
  });

  for (const patch of patches) {
    const expected = expectedFiles(patch, created);
    const missing = expected.filter((f) => !existsSync(path.join(dir, f)));
    if (expected.length > 0 && missing.length === expected.length) {
      // Nothing it changes is here: a patch for another project or tree, not a conflict to resolve.
      const summary = `${describe(patch, total)} is not for this tree: ${missing.slice(0, 3).join(', ')} ${missing.length > 1 ? 'do' : 'does'} not exist in it`;
      return result('error', summary, [{ tool: 'git', severity: 'error', type: 'WRONG_TREE', message: summary, patch: patch.index, new: true }]);
    }
    const am = await git.exec(['am', '--3way', '--quiet', patch.file], { timeoutMs: ctx.settings.stepTimeoutMs });
    if (am.code !== 0) {
      await git.exec(['am', '--abort']);
      const failures = parseAmFailure(`${am.stdout}\n${am.stderr}`);
      const findings: Finding[] = failures.map((f) => {
        const hunk = f.line !== undefined ? hunkAt(patch.files, f.file, f.line) : undefined;
        const where = hunk ? `hunk ${hunk.header}` : f.line !== undefined ? `the hunk at line ${f.line}` : 'its changes';
        return {
          tool: 'git', severity: 'error', type: 'APPLY_FAILED', patch: patch.index, new: true,
          file: f.file, line: f.line,
          message: `${describe(patch, total)} does not apply: ${where} of ${f.file} failed`,
        };
      });
      if (findings.length === 0) {
        const reason = (am.stderr || am.stdout).split('\n').find((l) => l.startsWith('error:') || l.startsWith('fatal:')) ?? 'git am failed';
        findings.push({ tool: 'git', severity: 'error', type: 'APPLY_FAILED', patch: patch.index, new: true, message: `${describe(patch, total)} does not apply: ${reason}` });
      }
      const files = [...new Set(failures.map((f) => f.file))];
      const summary = `${describe(patch, total)} does not apply${files.length ? ` to ${files.join(', ')}` : ''}`;
      return result('fail', summary, findings);
    }
    commits.push((await git.revParse('HEAD'))!);
    for (const f of patch.files) if (f.status === 'added') created.add(f.path);
  }
  ctx.applied = { commits };
  return result('pass', `${total} patch${total === 1 ? '' : 'es'} applied on ${ctx.tree.baseCommit.slice(0, 12)}`, []);
}

export const applyStage: Stage = { name: 'apply', needs: [], run: applySeries };
