// Posting the report: one sticky comment per PR (or per commit, for a push), found again by its hidden marker and
// its author. A token that may not write (a PR from a fork) is a warning, not a failure of the run.
import { RequestError, type Octokit } from 'octokit';
import { infraError } from '../../errors.js';
import { COMMENT_MARKER, GITHUB_COMMENT_LIMIT, truncateMarkdown, truncationNotice } from './body.js';

export type CommentMode = 'sticky' | 'new' | 'off';
/** Where the comment goes: a PR (issue) number, or a commit for push events. */
export interface CommentTarget {
  owner: string;
  repo: string;
  issueNumber?: number;
  commitSha?: string;
}
export interface PublishOutcome {
  action: 'created' | 'updated' | 'skipped' | 'read-only';
  url?: string;
  warning?: string;
}

export interface PublishOptions {
  mode: CommentMode;
  target: CommentTarget;
  body: string;
  /** The body again for a sticky comment that an earlier run of this PR left: told what that run found. */
  bodyAfter?: (earlier: string | undefined) => string;
  marker?: string;
  /**
   * whose comment is "ours"; default: GraphQL `viewer { login }` (a GitHub App's `<slug>[bot]` too), else
   * github-actions[bot]
   */
  botLogin?: string;
}

/** The login GitHub shows for comments made with the workflow's GITHUB_TOKEN. */
export const ACTIONS_BOT_LOGIN = 'github-actions[bot]';

interface Comment {
  id: number;
  body?: string;
  html_url: string;
  user: { login: string } | null;
}
interface ApiComment {
  id: number | bigint;
  body?: string;
  html_url: string;
  user: { login: string } | null;
}
const comment = (c: ApiComment): Comment => ({ id: Number(c.id), body: c.body, html_url: c.html_url, user: c.user });
const comments = (cs: ApiComment[]): Comment[] => cs.map(comment);

/** The comment endpoints of one target: a PR's conversation, or a commit. */
interface Place {
  label: string;
  list(): Promise<Comment[]>;
  create(body: string): Promise<Comment>;
  update(id: number, body: string): Promise<Comment>;
}

function place(octokit: Octokit, t: CommentTarget): Place | undefined {
  const repo = { owner: t.owner, repo: t.repo };
  if (t.issueNumber !== undefined) {
    const at = { ...repo, issue_number: t.issueNumber };
    return {
      label: `${t.owner}/${t.repo}#${t.issueNumber}`,
      list: async () =>
        comments(
          await octokit.paginate('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...at, per_page: 100 }),
        ),
      create: async (body) =>
        comment(
          (await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...at, body })).data,
        ),
      update: async (id, body) =>
        comment(
          (
            await octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
              ...repo,
              comment_id: id,
              body,
            })
          ).data,
        ),
    };
  }
  if (t.commitSha) {
    const at = { ...repo, commit_sha: t.commitSha };
    return {
      label: `${t.owner}/${t.repo}@${t.commitSha.slice(0, 12)}`,
      list: async () =>
        comments(
          await octokit.paginate('GET /repos/{owner}/{repo}/commits/{commit_sha}/comments', { ...at, per_page: 100 }),
        ),
      create: async (body) =>
        comment(
          (await octokit.request('POST /repos/{owner}/{repo}/commits/{commit_sha}/comments', { ...at, body })).data,
        ),
      update: async (id, body) =>
        comment(
          (
            await octokit.request('PATCH /repos/{owner}/{repo}/comments/{comment_id}', {
              ...repo,
              comment_id: id,
              body,
            })
          ).data,
        ),
    };
  }
  return undefined;
}

const status = (error: unknown): number | undefined => (error instanceof RequestError ? error.status : undefined);

/** The token's own login: GraphQL's viewer answers for PATs and App installation tokens alike (GET /user does not). */
async function whoAmI(octokit: Octokit): Promise<string> {
  try {
    const r = await octokit.graphql<{ viewer?: { login?: string } }>('query { viewer { login } }');
    return r.viewer?.login || ACTIONS_BOT_LOGIN;
  } catch {
    return ACTIONS_BOT_LOGIN;
  }
}

/** The permission a refused write needed: GitHub says it in x-accepted-github-permissions ("contents=write"). */
function neededPermission(target: CommentTarget, error: unknown): string {
  const header =
    error instanceof RequestError ? String(error.response?.headers?.['x-accepted-github-permissions'] ?? '') : '';
  const said = header
    .split(/[;,]\s*/)
    .map((p) => p.trim())
    .find((p) => /^[a-z_-]+=write$/.test(p));
  if (said) return said.replace('=', ': ').replace(/_/g, '-');
  return target.commitSha ? 'contents: write' : 'pull-requests: write';
}

function readOnly(target: CommentTarget, label: string, error: unknown): PublishOutcome {
  const permission = neededPermission(target, error);
  const fork =
    target.issueNumber !== undefined
      ? ' — or this is a pull request from a fork, whose GITHUB_TOKEN is read-only: ' +
        'use the workflow_run recipe in the README'
      : '';
  return {
    action: 'read-only',
    warning:
      `kernel-patch-ci: the token may not comment on ${label}: ` +
      `the workflow needs \`permissions: ${permission}\`${fork}. The report is in the job summary.`,
  };
}

function failure(step: string, label: string, error: unknown): Error {
  const code = status(error);
  const why = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
  return infraError(`GitHub comment: could not ${step} on ${label}${code ? ` (HTTP ${code})` : ''}: ${why}`);
}

/** Publish `body` as the report comment; see CommentMode. Never throws for a read-only token. */
export async function publishComment(octokit: Octokit, opts: PublishOptions): Promise<PublishOutcome> {
  if (opts.mode === 'off') return { action: 'skipped' };
  const where = place(octokit, opts.target);
  if (!where)
    return {
      action: 'skipped',
      warning: 'kernel-patch-ci: no pull request or commit to comment on; the report is in the job summary.',
    };
  const marker = opts.marker ?? COMMENT_MARKER;
  const body = opts.body.includes(marker)
    ? opts.body
    : truncateMarkdown(`${marker}\n${opts.body}`, GITHUB_COMMENT_LIMIT, truncationNotice(GITHUB_COMMENT_LIMIT));

  let ours: Comment | undefined;
  if (opts.mode === 'sticky') {
    const login = opts.botLogin ?? (await whoAmI(octokit));
    let existing: Comment[];
    try {
      existing = await where.list();
    } catch (error) {
      if (status(error) === 403) return readOnly(opts.target, where.label, error);
      throw failure('list the comments', where.label, error);
    }
    ours = existing.find((c) => c.user?.login === login && (c.body ?? '').includes(marker));
  }

  if (ours) {
    try {
      const again = opts.bodyAfter ? opts.bodyAfter(ours.body) : body;
      const updated = await where.update(ours.id, again);
      return { action: 'updated', url: updated.html_url };
    } catch (error) {
      if (status(error) === 403) return readOnly(opts.target, where.label, error);
      if (status(error) !== 404) throw failure(`update comment ${ours.id}`, where.label, error);
      // deleted since we listed it: post a new one
    }
  }
  try {
    const created = await where.create(body);
    return { action: 'created', url: created.html_url };
  } catch (error) {
    if (status(error) === 403 || status(error) === 404) return readOnly(opts.target, where.label, error);
    throw failure('create a comment', where.label, error);
  }
}
