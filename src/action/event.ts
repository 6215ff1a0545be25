// The series a push or a pull request carries: its commits in the checked-out workspace, fetched when the checkout is
// shallow, written out with git format-patch so they are applied to the tree under test as a maintainer would.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { inputError } from '../errors.js';
import { Git } from '../tools/git.js';

export interface EventSeries {
  /** Directory of format-patch files: the --series of the run. */
  dir: string;
  base: string;
  head: string;
  count: number;
  /** How the base was chosen, for the log. */
  how: string;
}

export interface EventSeriesOptions {
  eventName: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a webhook payload, read field by field
  event: Record<string, any>;
  workspace: string;
  /** Where the patches go (inside our out dir). */
  outDir: string;
  /** The tree under test, for a first push or a force push: the branch starts where it leaves the tree's ref. */
  tree: string;
  treeRef?: string;
  /** The deepest history fetched while looking for the base (a shallow checkout has one commit). */
  maxDepth?: number;
}

const ZERO = /^0+$/;
/** More than this is not a patch series but a branch with history: the user should say what to vet. */
const MAX_SERIES = 100;

async function haveCommit(git: Git, sha: string): Promise<boolean> {
  return (await git.exec(['cat-file', '-e', `${sha}^{commit}`])).code === 0;
}

/** Fetch a commit with the history below it, deeper each time, until `done` holds; shallow checkouts need it. */
async function deepen(
  git: Git,
  remote: string,
  refspec: string,
  done: () => Promise<boolean>,
  maxDepth: number,
): Promise<boolean> {
  if (await done()) return true;
  for (let depth = 32; ; depth *= 4) {
    const d = Math.min(depth, maxDepth);
    const r = await git.exec(['fetch', '--no-tags', '--quiet', `--depth=${d}`, remote, refspec], {
      timeoutMs: 30 * 60_000,
    });
    if (r.code !== 0)
      throw inputError(
        `cannot fetch ${refspec.replace(/^\+?([^:]+).*$/, '$1')} from ${remote}: ` +
          `${r.stderr.trim().split('\n').at(-1) ?? `exit ${r.code}`}`,
      );
    if (await done()) return true;
    if (d >= maxDepth) return false;
  }
}

async function mergeBase(git: Git, a: string, b: string): Promise<string | undefined> {
  const r = await git.exec(['merge-base', a, b]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/** Where the pushed branch leaves the tree under test: fetch the tree's ref into the workspace and meet it. */
async function baseFromTree(git: Git, opts: EventSeriesOptions, head: string, maxDepth: number): Promise<string> {
  const ref = opts.treeRef || 'HEAD';
  const target = 'refs/kpci/tree-base';
  const found = await deepen(
    git,
    opts.tree,
    `+${ref}:${target}`,
    async () => (await mergeBase(git, target, head)) !== undefined,
    maxDepth,
  );
  await deepen(git, 'origin', head, async () => (await mergeBase(git, target, head)) !== undefined, maxDepth).catch(
    () => false,
  );
  const base = await mergeBase(git, target, head);
  if (!found && !base)
    throw inputError(
      `the pushed branch shares no history with ${ref} of ${opts.tree} within ${maxDepth} commits: ` +
        'give the series input',
    );
  return base!;
}

/** The commits of the event, as a base and a head in the workspace (fetched if the checkout lacks them). */
async function eventRange(
  git: Git,
  opts: EventSeriesOptions,
  maxDepth: number,
): Promise<{ base: string; head: string; how: string }> {
  const e = opts.event;
  if (opts.eventName === 'push') {
    if (e.deleted) throw inputError('this push deleted the branch: there is no series to vet');
    const head = String(e.after ?? '');
    const before = String(e.before ?? '');
    if (!/^[0-9a-f]{40}$/.test(head)) throw inputError('the push event has no "after" commit');
    await deepen(git, 'origin', head, () => haveCommit(git, head), maxDepth);
    if (!e.created && !e.forced && before && !ZERO.test(before)) {
      const ok = await deepen(
        git,
        'origin',
        head,
        async () =>
          (await haveCommit(git, before)) && (await git.exec(['merge-base', '--is-ancestor', before, head])).code === 0,
        maxDepth,
      );
      if (ok) return { base: before, head, how: `the pushed commits ${before.slice(0, 12)}..${head.slice(0, 12)}` };
    }
    // a new branch, or a force push that rewrote it: the series is what the branch adds to the tree under test
    const base = await baseFromTree(git, opts, head, maxDepth);
    return {
      base,
      head,
      how:
        `${e.created || ZERO.test(before) ? 'a new branch' : 'a force push'}: ` +
        `from where it leaves ${opts.treeRef || 'HEAD'} of ${opts.tree} (${base.slice(0, 12)})`,
    };
  }
  if (opts.eventName === 'pull_request' || opts.eventName === 'pull_request_target') {
    const pr = e.pull_request ?? {};
    const head = String(pr.head?.sha ?? '');
    const baseTip = String(pr.base?.sha ?? '');
    if (!/^[0-9a-f]{40}$/.test(head) || !/^[0-9a-f]{40}$/.test(baseTip))
      throw inputError('the pull_request event has no base and head commits');
    // the head may be in a fork: GitHub serves it from the base repository as refs/pull/N/head
    const headRef = pr.number ? `+refs/pull/${pr.number}/head:refs/kpci/pr-head` : head;
    await deepen(git, 'origin', headRef, () => haveCommit(git, head), maxDepth);
    await deepen(git, 'origin', baseTip, () => haveCommit(git, baseTip), maxDepth);
    // the base branch may have moved on since the PR was opened: the series starts where the two meet
    const met = async () => (await mergeBase(git, baseTip, head)) !== undefined;
    await deepen(git, 'origin', headRef, met, maxDepth);
    await deepen(git, 'origin', baseTip, met, maxDepth);
    const base = await mergeBase(git, baseTip, head);
    if (!base)
      throw inputError(
        `pull request #${pr.number}: its head shares no history with its base within ${maxDepth} commits`,
      );
    return { base, head, how: `pull request #${pr.number}: ${base.slice(0, 12)}..${head.slice(0, 12)}` };
  }
  throw inputError(`the ${opts.eventName} event carries no series: set the series input`);
}

export async function seriesFromEvent(opts: EventSeriesOptions): Promise<EventSeries> {
  const git = new Git({ cwd: opts.workspace });
  if ((await git.exec(['rev-parse', '--git-dir'])).code !== 0)
    throw inputError(`${opts.workspace} is not a git checkout: run actions/checkout first, or set the series input`);
  const maxDepth = opts.maxDepth ?? 4096;
  const { base, head, how } = await eventRange(git, opts, maxDepth);
  const count = Number((await git.run(['rev-list', '--count', '--no-merges', `${base}..${head}`])).trim());
  if (count === 0) throw inputError(`no commits to vet in ${base.slice(0, 12)}..${head.slice(0, 12)} (${how})`);
  if (count > MAX_SERIES)
    throw inputError(
      `${count} commits in ${base.slice(0, 12)}..${head.slice(0, 12)} (${how}): ` +
        'that is a branch, not a series; set the series input',
    );
  const dir = path.join(opts.outDir, 'event-series');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await git.run(['format-patch', '--quiet', '--no-merges', '--zero-commit', '-o', dir, `${base}..${head}`]);
  return { dir, base, head, count, how };
}
