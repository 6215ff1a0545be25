// Resolve --tree/--ref to a base commit and check it out in our own work directory; the user's tree is only read.
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
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
  /** The git URL of the tree under test, when known: --tree's URL, or a local checkout's origin remote. A tarball
   *  or a plain directory does not say which upstream it is. */
  upstream?: string;
  /** Where the base came from, for the progress line: "imported earlier, from the cache". */
  how?: string;
}

export interface PrepareOptions {
  cacheDir: string;
  workDir: string;
  ref?: string;
  fetchAttempts: number;
  fetchBackoffMs: number;
  onLine?: (line: string) => void;
}

/** Our checkout of the tree, in the run's work dir. */
export const treeDirOf = (workDir: string) => path.join(workDir, 'linux');

/**
 * The build dirs live in the tree, one level down: kbuild then names the sources by relative paths (srctree ..), so
 * an O= dir means the same in any out dir and a cached base's can be restored into another run's tree.
 */
export const BUILD_DIR_PREFIX = 'kpci-build-';
/** git clean keeps them (with -x it still honours -e). */
export const KEEP_BUILD_DIRS = ['-e', `/${BUILD_DIR_PREFIX}*/`];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Where the fetches of this URL live in the cache: one bare repository per URL. */
export function remoteGitDir(url: string, cacheDir: string): string {
  return path.join(cacheDir, 'remotes', `${createHash('sha256').update(url).digest('hex').slice(0, 16)}.git`);
}

/** Shallow fetch of one ref into a cached bare repository, retried with exponential backoff. */
async function fetchRemote(
  url: string,
  ref: string,
  options: PrepareOptions,
): Promise<{ gitDir: string; commit: string }> {
  const gitDir = remoteGitDir(url, options.cacheDir);
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
    lastError = result.timedOut
      ? 'timed out'
      : (result.stderr.trim().split('\n').filter(Boolean).at(-1) ?? `exit ${result.code}`);
    if (/couldn't find remote ref|not our ref/i.test(result.stderr)) break; // the ref is wrong: retrying will not help
    if (attempt < options.fetchAttempts) await sleep(options.fetchBackoffMs * 2 ** (attempt - 1));
  }
  throw new RunError(`cannot fetch ${ref} from ${url}: ${lastError.replace(/^fatal: /, '')}`, 'infrastructure');
}

/** Our checkout from an earlier run with the same out dir, if it borrows from the same objects: reusable. */
async function reusableCheckout(dir: string, objects: string): Promise<Git | undefined> {
  const alternates = await readFile(path.join(dir, '.git', 'objects', 'info', 'alternates'), 'utf8').catch(
    () => undefined,
  );
  if (alternates?.trim() !== objects) return undefined;
  const git = new Git({ cwd: dir });
  await git.exec(['am', '--abort']); // a run killed mid-series leaves git am's state behind
  return git;
}

/**
 * A checkout of `commit` in `dir` that borrows the objects of the repository at `from` through git's alternates:
 * nothing is copied and nothing is written into `from`. A checkout left by an earlier run is reused, so a
 * re-run only rewrites the files that differ (a full kernel checkout is over a gigabyte of writes).
 */
async function checkout(from: string, commit: string, dir: string): Promise<Git> {
  const common = (await new Git({ cwd: from }).run(['rev-parse', '--path-format=absolute', '--git-common-dir'])).trim();
  const objects = path.join(common, 'objects');
  let git = existsSync(dir) ? await reusableCheckout(dir, objects) : undefined;
  if (!git) {
    if (existsSync(dir)) await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    git = new Git({ cwd: dir });
    await git.run(['init', '--quiet']);
    await writeFile(path.join(dir, '.git', 'objects', 'info', 'alternates'), objects + '\n');
  }
  // A shallow fetch's boundary must be known here too, or git looks for parents that were never fetched.
  if (existsSync(path.join(common, 'shallow')))
    await copyFile(path.join(common, 'shallow'), path.join(dir, '.git', 'shallow'));
  await git.run(['update-ref', 'refs/kpci/base', commit]);
  await git.run(['checkout', '--quiet', '--force', '--detach', commit], { timeoutMs: 20 * 60_000 });
  await git.run(['clean', '-ffdxq', ...KEEP_BUILD_DIRS], { timeoutMs: 10 * 60_000 });
  return git;
}

/** The URL a local checkout was cloned from (its origin remote), read only. */
async function originUrl(dir: string): Promise<string | undefined> {
  const result = await new Git({ cwd: dir }).exec(['remote', 'get-url', 'origin']);
  return result.code === 0 && result.stdout.trim() ? result.stdout.trim() : undefined;
}

export async function prepareTree(source: TreeSource, options: PrepareOptions): Promise<PreparedTree> {
  if (options.ref !== undefined && !(await isValidRefName(options.ref))) {
    throw inputError(`--ref ${JSON.stringify(options.ref)} is not a valid git ref name`);
  }
  const dir = treeDirOf(options.workDir);
  let origin: { gitDir: string; commit: string; cached?: boolean };
  let ref = options.ref;
  let upstream: string | undefined;
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
      upstream = source.url;
      break;
    case 'git-dir': {
      ref ??= 'HEAD';
      const commit = await new Git({ cwd: source.dir }).revParse(ref);
      if (!commit) throw inputError(`ref ${ref} does not exist in ${source.dir}`);
      origin = { gitDir: source.dir, commit };
      upstream = await originUrl(source.dir);
      break;
    }
  }
  try {
    const git = await checkout(origin.gitDir, origin.commit, dir);
    const how =
      source.kind === 'tarball'
        ? origin.cached
          ? `${path.basename(source.file)} imported earlier, from the cache`
          : `${path.basename(source.file)} imported`
        : undefined;
    return {
      dir,
      git,
      baseCommit: origin.commit,
      source: describeSource(source),
      ref,
      ...(upstream ? { upstream } : {}),
      ...(how ? { how } : {}),
    };
  } catch (error) {
    if (error instanceof GitError) throw infraError(`cannot check out the base tree in ${dir}: ${error.message}`);
    throw error;
  }
}
