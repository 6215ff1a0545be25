// Turn a tarball or a plain directory into one commit in a cached bare repository, without writing into the source.
import { mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { extractTar } from '../tools/tar.js';
import { Git } from '../tools/git.js';
import { infraError, inputError } from '../errors.js';

const IMPORT_REF = 'refs/kpci/import';
// A fixed identity and date make the imported commit's id the same on every machine: cache keys can use it.
const IMPORT_DATE = '2000-01-01T00:00:00Z';

function key(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 16);
}

async function commitSnapshot(gitDir: string, workTree: string, message: string): Promise<string> {
  const git = new Git({ gitDir });
  // Debian's linux-source ignores everything in its top-level .gitignore: -f takes the files regardless.
  await git.run(['--work-tree', workTree, 'add', '-f', '-A', '.'], { timeoutMs: 20 * 60_000 });
  const tree = (await git.run(['write-tree'])).trim();
  const env = {
    GIT_AUTHOR_DATE: IMPORT_DATE,
    GIT_COMMITTER_DATE: IMPORT_DATE,
    GIT_AUTHOR_NAME: 'kernel-patch-ci',
    GIT_AUTHOR_EMAIL: 'kernel-patch-ci@localhost',
  };
  const commit = (await git.run(['commit-tree', tree, '-m', message], { env })).trim();
  await git.run(['update-ref', IMPORT_REF, commit]);
  return commit;
}

async function initBare(gitDir: string): Promise<void> {
  await mkdir(gitDir, { recursive: true });
  await new Git({ gitDir }).run(['init', '-q', '--bare', gitDir]);
}

/** The top directory a kernel tarball unpacks into (linux-source-6.1/), or the extraction dir itself. */
async function unpackedRoot(dir: string): Promise<string> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.length === 1 && entries[0]!.isDirectory() ? path.join(dir, entries[0]!.name) : dir;
}

/** Where the import of this tarball lives in the cache: one repository per file, size and mtime. */
export async function tarballGitDir(file: string, cacheDir: string): Promise<string> {
  const info = await stat(file);
  return path.join(
    cacheDir,
    'tarballs',
    `${path.basename(file)}-${key(file, String(info.size), String(info.mtimeMs))}.git`,
  );
}

/** Where the import of this plain directory lives in the cache. */
export function directoryGitDir(dir: string, cacheDir: string): string {
  return path.join(cacheDir, 'dirs', `${path.basename(dir)}-${key(dir)}.git`);
}

/** Import a source tarball once; later runs find the cached repository and skip the work. */
export async function importTarball(
  file: string,
  cacheDir: string,
  onLine?: (l: string) => void,
): Promise<{ gitDir: string; commit: string; cached?: boolean }> {
  const gitDir = await tarballGitDir(file, cacheDir);
  if (existsSync(gitDir)) {
    const commit = await new Git({ gitDir }).revParse(IMPORT_REF);
    if (commit) return { gitDir, commit, cached: true };
    await rm(gitDir, { recursive: true, force: true });
  }
  await mkdir(path.dirname(gitDir), { recursive: true });
  const scratch = await mkdtemp(path.join(path.dirname(gitDir), '.import-'));
  try {
    const unpack = path.join(scratch, 'src');
    await mkdir(unpack);
    const tar = await extractTar(file, unpack, { timeoutMs: 20 * 60_000, ...(onLine ? { onLine } : {}) });
    if (!tar.ok) throw inputError(`cannot unpack ${file}: ${tar.why}`);
    const root = await unpackedRoot(unpack);
    if (!existsSync(path.join(root, 'Makefile')) || !existsSync(path.join(root, 'Kconfig'))) {
      throw inputError(`${file} does not contain a kernel source tree (no top-level Makefile and Kconfig)`);
    }
    const tmpGit = path.join(scratch, 'repo.git');
    await initBare(tmpGit);
    const commit = await commitSnapshot(tmpGit, root, `Import ${path.basename(file)}`);
    // Another run may have finished the same import meanwhile; either copy is good.
    await rename(tmpGit, gitDir).catch(async () => {
      if (!existsSync(gitDir)) throw infraError(`cannot store the imported tree in ${gitDir}`);
    });
    return { gitDir, commit };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Import a plain directory (no .git). Its index stays in the cache so a re-run only re-hashes what changed. */
export async function importDirectory(dir: string, cacheDir: string): Promise<{ gitDir: string; commit: string }> {
  const gitDir = directoryGitDir(dir, cacheDir);
  if (!existsSync(gitDir)) await initBare(gitDir);
  const commit = await commitSnapshot(gitDir, dir, `Import ${dir}`);
  return { gitDir, commit };
}
