// The Action's inputs, read once up front from the env the composite steps set (they get no INPUT_* variables) and
// validated into one settings object. The CLI's own parser checks what the two front ends share.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { usageError } from '../errors.js';
import type { CommentMode } from '../report/github.js';
import { SERIES_RANGE } from '../series/intake.js';
import { DEFAULT_TREE_URL } from '../tree/source.js';

/** Every input, by its name in action.yml, and the env variable its step passes it in. */
export const INPUTS = {
  tree: 'KPCI_TREE',
  ref: 'KPCI_REF',
  series: 'KPCI_SERIES',
  configs: 'KPCI_CONFIGS',
  stages: 'KPCI_STAGES',
  'fail-on': 'KPCI_FAIL_ON',
  token: 'KPCI_TOKEN',
  comment: 'KPCI_COMMENT',
  'comment-on-push': 'KPCI_COMMENT_ON_PUSH',
  'ccache-size': 'KPCI_CCACHE_SIZE',
  header: 'KPCI_HEADER',
} as const;
export type InputName = keyof typeof INPUTS;

export const OUTPUTS = { verdict: 'verdict', results: 'results', commentUrl: 'comment-url' } as const;

const COMMENT_MODES: readonly CommentMode[] = ['sticky', 'new', 'off'];
const PUSH_MODES = ['commit', 'off'] as const;
export type PushCommentMode = (typeof PUSH_MODES)[number];

export interface ActionSettings {
  tree?: string;
  ref?: string;
  /** Series input entries, globs expanded, paths resolved in the workspace; empty: take it from the event. */
  series: string[];
  configs?: string;
  stages?: string;
  failOn?: string;
  ccacheSize?: string;
  /** Names this report's sticky comment (its marker), so two workflows on one PR keep one comment each. */
  header?: string;
  token: string;
  comment: CommentMode;
  commentOnPush: PushCommentMode;
  workspace: string;
  outDir: string;
  cacheDir: string;
  eventName: string;
  eventPath?: string;
  repository?: { owner: string; repo: string };
  /** Link to this run, where the job summary is. */
  runUrl?: string;
}

export function input(env: NodeJS.ProcessEnv, name: InputName): string | undefined {
  const value = env[INPUTS[name]]?.trim();
  return value ? value : undefined;
}

function oneOf<T extends string>(name: InputName, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value))
    throw usageError(`input ${name} must be one of ${allowed.join(', ')}, not ${JSON.stringify(value)}`);
  return value as T;
}

const GLOB_CHARS = /[*?[]/;

function segmentPattern(segment: string): RegExp {
  let re = '';
  for (const ch of segment) re += ch === '*' ? '[^/]*' : ch === '?' ? '[^/]' : ch.replace(/[.+^${}()|\\\]]/g, '\\$&');
  return new RegExp(`^${re}$`);
}

/** A path or a glob (*, ?, ** for any depth), relative to the workspace; the matches sorted, as a shell would. */
export async function expandGlob(spec: string, workspace: string): Promise<string[]> {
  const absolute = path.resolve(workspace, spec);
  if (!GLOB_CHARS.test(spec)) return [absolute];
  const parts = absolute.split('/').filter(Boolean);
  let current = ['/'];
  for (const segment of parts) {
    const next: string[] = [];
    for (const dir of current) {
      if (segment === '**') {
        // zero or more directories
        const stack = [dir];
        while (stack.length) {
          const d = stack.pop()!;
          next.push(d);
          for (const e of await readdir(d, { withFileTypes: true }).catch(() => []))
            if (e.isDirectory() && !e.name.startsWith('.')) stack.push(path.join(d, e.name));
        }
      } else if (!GLOB_CHARS.test(segment)) {
        const p = path.join(dir, segment);
        if (existsSync(p)) next.push(p);
      } else {
        const re = segmentPattern(segment);
        for (const e of await readdir(dir, { withFileTypes: true }).catch(() => []))
          if (re.test(e.name) && !e.name.startsWith('.')) next.push(path.join(dir, e.name));
      }
    }
    current = [...new Set(next)];
  }
  return current.sort();
}

/** The run's out dir: from the runner alone, so that even a bad input leaves its results.json where the steps look. */
export function actionOutDir(env: NodeJS.ProcessEnv): string {
  return env.KPCI_OUT?.trim()
    ? path.resolve(env.KPCI_OUT.trim())
    : path.join(env.RUNNER_TEMP || os.tmpdir(), 'kernel-patch-ci');
}

/**
 * A name for this job's upload-artifact: the configs and stages it ran, with what artifact names may not hold
 * (a fragment path's `/`, and `":<>|*?\\`) made `_`. Read from the env alone, so even a bad input has one.
 */
export function artifactName(env: NodeJS.ProcessEnv): string {
  const parts = [env[INPUTS.configs], env[INPUTS.stages]]
    .map((v) =>
      (v ?? '')
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)
        .join('+'),
    )
    .filter(Boolean);
  return ['kernel-patch-ci', ...parts].join('-').replace(/["/:<>|*?\\\r\n]/g, '_');
}

/** What the report step can still do when the inputs are bad: summary, outputs and verdict, no comment. */
export function fallbackSettings(env: NodeJS.ProcessEnv): ActionSettings {
  return {
    series: [],
    token: '',
    comment: 'off',
    commentOnPush: 'off',
    workspace: path.resolve(env.GITHUB_WORKSPACE ?? process.cwd()),
    outDir: actionOutDir(env),
    cacheDir: '',
    eventName: env.GITHUB_EVENT_NAME ?? '',
  };
}

export async function readActionInputs(env: NodeJS.ProcessEnv = process.env): Promise<ActionSettings> {
  const workspace = path.resolve(env.GITHUB_WORKSPACE ?? process.cwd());
  const series: string[] = [];
  for (const entry of (env[INPUTS.series] ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)) {
    if (SERIES_RANGE.test(entry)) {
      series.push(entry); // BASE..HEAD of the tree input, which must be a local checkout
      continue;
    }
    const matches = await expandGlob(entry, workspace);
    if (matches.length === 0 || (matches.length === 1 && !existsSync(matches[0]!)))
      throw usageError(`input series: nothing matches ${JSON.stringify(entry)} in ${workspace}`);
    series.push(...matches);
  }
  const tree = input(env, 'tree');
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/');
  return {
    ...(tree ? { tree: tree === '.' ? workspace : tree } : {}),
    ...(input(env, 'ref') ? { ref: input(env, 'ref') } : {}),
    series,
    ...(input(env, 'configs') ? { configs: input(env, 'configs') } : {}),
    ...(input(env, 'stages') ? { stages: input(env, 'stages') } : {}),
    ...(input(env, 'fail-on') ? { failOn: input(env, 'fail-on') } : {}),
    ...(input(env, 'ccache-size') ? { ccacheSize: input(env, 'ccache-size') } : {}),
    ...(input(env, 'header') ? { header: input(env, 'header') } : {}),
    token: input(env, 'token') ?? '',
    comment: oneOf('comment', input(env, 'comment'), COMMENT_MODES, 'sticky'),
    commentOnPush: oneOf('comment-on-push', input(env, 'comment-on-push'), PUSH_MODES, 'off'),
    workspace,
    outDir: actionOutDir(env),
    cacheDir: env.KPCI_CACHE_DIR?.trim()
      ? path.resolve(env.KPCI_CACHE_DIR.trim())
      : path.join(env.HOME || os.homedir(), '.cache', 'kernel-patch-ci'),
    eventName: env.GITHUB_EVENT_NAME ?? '',
    ...(env.GITHUB_EVENT_PATH ? { eventPath: env.GITHUB_EVENT_PATH } : {}),
    ...(owner && repo ? { repository: { owner, repo } } : {}),
    ...(env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
      ? { runUrl: `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` }
      : {}),
  };
}

/** The CLI arguments every step of the run shares (the step adds --stages and --continue). */
export function cliArguments(s: ActionSettings, series: string[]): string[] {
  const argv: string[] = [];
  argv.push('--tree', s.tree ?? DEFAULT_TREE_URL); // always: the CLI would take a kernel checkout in the cwd
  if (s.ref) argv.push('--ref', s.ref);
  for (const entry of series) argv.push('--series', entry);
  if (s.configs) argv.push('--configs', s.configs);
  if (s.failOn) argv.push('--fail-on', s.failOn);
  if (s.ccacheSize) argv.push('--ccache-size', s.ccacheSize);
  argv.push('--out', s.outDir, '--cache-dir', s.cacheDir);
  return argv;
}
