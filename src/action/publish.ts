// The report step: the job summary, annotations within GitHub's caps, one comment where the event says, the step's
// outputs, and the verdict as the step's status. Reads only results.json.
import * as core from '@actions/core';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Octokit } from 'octokit';
import { oneLine } from '../errors.js';
import type { Results } from '../results/model.js';
import { renderMarkdown } from '../report/markdown.js';
import {
  commentBody,
  commentMarker,
  createOctokit,
  publishComment,
  readVersionData,
  selectAnnotations,
  type CommentTarget,
} from '../report/github.js';
import { errorResults, readResults } from '../results/store.js';
import { compareVersions, versionRecord } from '../versions/compare.js';
import { OUTPUTS, type ActionSettings } from './inputs.js';

/**
 * The results told what became of the findings the PR's sticky comment carried (the previous push's run), unless
 * the run compared itself with --previous already.
 */
export function sinceEarlierComment(results: Results, earlier: string | undefined): Results {
  const data = readVersionData(earlier);
  if (!data || results.previous) return results;
  return {
    ...results,
    previous: {
      from: "this pull request's previous run",
      findingsKnown: true,
      ...compareVersions(data, versionRecord(results)),
      rangeDiffWhy: "the comment keeps the previous version's findings, not its commits (--previous gives both)",
    },
  };
}

export interface GitHubDeps {
  octokit(token: string): Octokit;
}

export const defaultGitHub: GitHubDeps = { octokit: (token) => createOctokit(token) };

/** Where the event says the comment goes: its PR, the PR a pushed commit heads, or (if asked) the commit. */
async function commentTarget(
  octokit: Octokit,
  s: ActionSettings,
  env: NodeJS.ProcessEnv,
): Promise<CommentTarget | undefined> {
  const { owner, repo } = s.repository!;
  // workflow_run recipe
  if (env.KPCI_PR_NUMBER?.trim()) return { owner, repo, issueNumber: Number(env.KPCI_PR_NUMBER) };
  /* eslint-disable @typescript-eslint/no-explicit-any -- a webhook payload, read field by field */
  const event = s.eventPath
    ? (JSON.parse(await readFile(s.eventPath, 'utf8').catch(() => '{}')) as Record<string, any>)
    : {};
  /* eslint-enable @typescript-eslint/no-explicit-any */
  if (event.pull_request?.number) return { owner, repo, issueNumber: Number(event.pull_request.number) };
  if (s.eventName !== 'push' || !/^[0-9a-f]{40}$/.test(event.after ?? '')) return undefined;
  const pulls = await octokit
    .request('GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls', { owner, repo, commit_sha: event.after })
    .then(
      (r) => r.data,
      () => [],
    );
  const open = pulls.find((p) => p.state === 'open' && p.head.sha === event.after);
  if (open) return { owner, repo, issueNumber: open.number };
  return s.commentOnPush === 'commit' ? { owner, repo, commitSha: event.after } : undefined;
}

async function comment(
  results: Results,
  s: ActionSettings,
  env: NodeJS.ProcessEnv,
  gh: GitHubDeps,
): Promise<string | undefined> {
  if (s.comment === 'off') return undefined;
  if (!s.token || !s.repository) {
    core.info('comment: no token or repository, the report is in the job summary only');
    return undefined;
  }
  const octokit = gh.octokit(s.token);
  try {
    const target = await commentTarget(octokit, s, env);
    if (!target) {
      core.info(
        `comment: a ${s.eventName || 'local'} event without a pull request (comment-on-push: ${s.commentOnPush}): ` +
          'the report is in the job summary',
      );
      return undefined;
    }
    const marker = commentMarker(s.header);
    const bodyOpts = { marker, ...(s.runUrl ? { summaryUrl: s.runUrl } : {}) };
    const outcome = await publishComment(octokit, {
      mode: s.comment,
      target,
      marker,
      body: commentBody(results, bodyOpts),
      bodyAfter: (earlier) => commentBody(sinceEarlierComment(results, earlier), bodyOpts),
    });
    if (outcome.warning) core.warning(outcome.warning);
    if (outcome.url) core.info(`comment: ${outcome.action} ${outcome.url}`);
    return outcome.url;
  } catch (error) {
    // the verdict is in the summary and the step status: a comment GitHub refused must not hide it
    core.warning(`kernel-patch-ci: ${oneLine(error)}`);
    return undefined;
  }
}

export async function publishResults(s: ActionSettings, env: NodeJS.ProcessEnv, gh: GitHubDeps): Promise<void> {
  const missing = `no results.json in ${s.outDir}: an earlier step failed before writing it`;
  const results =
    (await readResults(s.outDir).catch((error: unknown) => errorResults(oneLine(error)))) ?? errorResults(missing);
  const { annotations, omitted } = selectAnnotations(results);
  for (const a of annotations) {
    const props = { title: a.title, ...(a.file ? { file: a.file } : {}), ...(a.line ? { startLine: a.line } : {}) };
    if (a.level === 'error') core.error(a.message, props);
    else if (a.level === 'warning') core.warning(a.message, props);
    else core.notice(a.message, props);
  }
  const left = omitted.error + omitted.warning + omitted.notice;
  if (env.GITHUB_STEP_SUMMARY) {
    const note = left
      ? `\n> ${left} more finding${left === 1 ? '' : 's'} ` +
        `(${omitted.error} errors, ${omitted.warning} warnings, ${omitted.notice} notices) ` +
        'are listed above but not annotated: GitHub shows at most 10 annotations per level per step.\n'
      : '';
    await core.summary.addRaw(renderMarkdown(results) + note).write();
  }
  const url = await comment(results, s, env, gh);
  core.setOutput(OUTPUTS.verdict, results.verdict);
  core.setOutput(OUTPUTS.results, path.join(s.outDir, 'results.json'));
  core.setOutput(OUTPUTS.commentUrl, url ?? '');
  if (results.verdict !== 'pass')
    core.setFailed(`kernel-patch-ci: ${results.verdict}${results.reason ? ` — ${results.reason}` : ''}`);
}
