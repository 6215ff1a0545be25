// Resolve --tree/--ref to a base commit and check it out in our own work directory; the user's tree is only read.
import { mkdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { Git, GitError, isValidRefName } from '../tools/git.js';
import { RunError, infraError, inputError } from '../errors.js';
import { DEFAULT_REMOTE_REF, describeSource, type TreeSource } from './source.js';
import { importDirectory, importTarball } from './import.js';

export interface PreparedTree {
  /** Our checkout of the base commit: every stage works here. */
  dir: string;
  git: Git;
  baseCommit: string;
  source: string;
  ref?: string;
}

export interface PrepareOptions {
  cacheDir: string;
  workDir: string;
  ref?: string;
  fetchAttempts: number;
  fetchBackoffMs: number;
  onLine?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Shallow fetch of one ref into a cached bare repository, retried with exponential backoff. */
async function fetchRemote(url: string, ref: string, options: PrepareOptions): Promise<{ gitDir: string; commit: string }> {
  const gitDir = path.join(options.cacheDir, 'remotes', `${createHash('sha256').update(url).digest('hex').slice(0, 16)}.git`);
  const git = new Git({ gitDir });
  if (!existsSync(gitDir)) {
    await mkdir(gitDir, { recursive: true });
    await git.run(['init', '-q', '--bare', gitDir]);
  }
  const target = 'refs/kpci/fetched';
  let lastError = '';
  for (let attempt = 1; attempt <= options.fetchAttempts; attempt++) {
    const result = await git.exec(['fetch', '--depth=1', '--no-tags', '--quiet', url, `+${ref}:${target}`], {
      timeoutMs: 30 * 60_000,
      onLine: options.onLine,
    });
    if (result.code === 0) return { gitDir, commit: (await git.revParse(target))! };
    lastError = result.timedOut ? 'timed out' : (result.stderr.trim().split('\n').filter(Boolean).at(-1) ?? `exit ${result.code}`);
    if (/couldn't find remote ref|not our ref/i.test(result.stderr)) break; // the ref is wrong: retrying will not help
    if (attempt < options.fetchAttempts) await sleep(options.fetchBackoffMs * 2 ** (attempt - 1));
  }
  throw new RunError(`cannot fetch ${ref} from ${url}: ${lastError.replace(/^fatal: /, '')}`, 'infrastructure');
}

/** A fresh checkout of `commit` in workDir, sharing objects with `from` (nothing is written into `from`). */
async function checkout(from: string, commit: string, dir: string): Promise<Git> {
  if (existsSync(dir)) await rm(dir, { recursive: true, force: true });
  await mkdir(path.dirname(dir), { recursive: true });
  await new Git({}).run(['clone', '--quiet', '--shared', '--no-checkout', from, dir], { timeoutMs: 10 * 60_000 });
  const git = new Git({ cwd: dir });
  // The base must be reachable in the clone even when it is only a detached commit of the source.
  await git.run(['checkout', '--quiet', '--detach', commit], { timeoutMs: 20 * 60_000 });
  return git;
}

export async function prepareTree(source: TreeSource, options: PrepareOptions): Promise<PreparedTree> {
  if (options.ref !== undefined && !(await isValidRefName(options.ref))) {
    throw inputError(`--ref ${JSON.stringify(options.ref)} is not a valid git ref name`);
  }
  const dir = path.join(options.workDir, 'linux');
  let origin: { gitDir: string; commit: string };
  let ref = options.ref;
  switch (source.kind) {
    case 'tarball':
      origin = await importTarball(source.file, options.cacheDir, options.onLine);
      break;
    case 'plain-dir':
      origin = await importDirectory(source.dir, options.cacheDir);
      break;
    case 'remote':
      ref ??= DEFAULT_REMOTE_REF;
      origin = await fetchRemote(source.url, ref, options);
      break;
    case 'git-dir': {
      ref ??= 'HEAD';
      const commit = await new Git({ cwd: source.dir }).revParse(ref);
      if (!commit) throw inputError(`ref ${ref} does not exist in ${source.dir}`);
      origin = { gitDir: source.dir, commit };
      break;
    }
  }
  try {
    const git = await checkout(origin.gitDir, origin.commit, dir);
    return { dir, git, baseCommit: origin.commit, source: describeSource(source), ref };
  } catch (error) {
    if (error instanceof GitError) throw infraError(`cannot check out the base tree in ${dir}: ${error.message}`);
    throw error;
  }
}
