// The two real kernel trees the tests run on: Debian's linux-source-6.1 and linux-source-6.12 tarballs. Tests
// that read source files (not through a run) get one unpacked copy of each, made once per test cache.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { importTarball } from '../../src/tree/import.js';
import { tarballOutDir, TEST_CACHE } from './kernel.js';

export interface TestTree {
  /** "6.1" or "6.12". */
  version: string;
  tarball: string;
}

export const TREES: readonly TestTree[] = [
  { version: '6.1', tarball: process.env.KPCI_TEST_TARBALL ?? '/usr/src/linux-source-6.1.tar.xz' },
  { version: '6.12', tarball: process.env.KPCI_TEST_TARBALL_612 ?? '/usr/src/linux-source-6.12.tar.xz' },
];

export const tree = (version: string): TestTree => TREES.find((t) => t.version === version)!;

for (const t of TREES) {
  if (!existsSync(t.tarball))
    throw new Error(`${t.tarball} is missing: apt-get install linux-source-${t.version} (see README)`);
}

/** The tarball unpacked under the test cache (read only: tests never write into it). */
export async function unpackedTree(t: TestTree): Promise<string> {
  const dir = path.join(TEST_CACHE, 'src', path.basename(t.tarball).replace(/\.tar\.\w+$/, ''));
  if (existsSync(path.join(dir, 'Makefile'))) return dir;
  await mkdir(path.dirname(dir), { recursive: true });
  const scratch = await mkdtemp(`${dir}.unpacking-`);
  try {
    execFileSync('tar', ['-xf', t.tarball, '-C', scratch], { stdio: 'ignore' });
    const [top] = await readdir(scratch);
    await writeFile(path.join(scratch, top!, '.kpci-unpacked'), `${t.tarball}\n`);
    // another test file may have unpacked it meanwhile: either copy is good
    await rename(path.join(scratch, top!), dir).catch(() => undefined);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return dir;
}

/**
 * A user's local clone of the tree whose origin is `originUrl`: the tarball's imported commit, its objects borrowed,
 * and only the top-level Makefile and Kconfig in its work tree (a run reads its objects, not its files).
 */
export async function localClone(t: TestTree, originUrl: string): Promise<string> {
  const { gitDir, commit } = await importTarball(t.tarball, TEST_CACHE);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kpci-clone-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
  git('init', '-q');
  await writeFile(path.join(dir, '.git', 'objects', 'info', 'alternates'), `${path.join(gitDir, 'objects')}\n`);
  git('update-ref', 'refs/heads/master', commit);
  git('symbolic-ref', 'HEAD', 'refs/heads/master');
  git('remote', 'add', 'origin', originUrl);
  for (const f of ['Makefile', 'Kconfig']) await writeFile(path.join(dir, f), git('show', `${commit}:${f}`));
  return dir;
}

/** Symbols our fragments ask for that came after 4.19, and the Kconfig file of 6.1 that defines each. */
const AFTER_4_19: Record<string, string> = {
  CRYPTO_ESSIV: 'crypto/Kconfig', // 5.4
  DM_EBS: 'drivers/md/Kconfig', // 5.10
  DEBUG_KMAP_LOCAL: 'lib/Kconfig.debug', // 5.11
  DEBUG_KMAP_LOCAL_FORCE_MAP: 'lib/Kconfig.debug', // 5.11
};

/**
 * A local checkout standing in for a 4.19 tree (no 4.x source can be fetched here): 6.1's commit with the top
 * Makefile saying 4.19.0 and the entries our fragments need from later kernels taken out of its Kconfig files.
 */
export async function treeDressedAs419(): Promise<string> {
  const { gitDir, commit } = await importTarball(tree('6.1').tarball, TEST_CACHE);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kpci-4.19-'));
  const git = (args: string[], input?: string) =>
    execFileSync('git', args, { cwd: dir, encoding: 'utf8', input, maxBuffer: 1 << 28 });
  git(['init', '-q']);
  await writeFile(path.join(dir, '.git', 'objects', 'info', 'alternates'), `${path.join(gitDir, 'objects')}\n`);
  git(['read-tree', commit]);
  const edit = (file: string, change: (text: string) => string) => {
    const blob = git(['hash-object', '-w', '--stdin'], change(git(['show', `${commit}:${file}`]))).trim();
    git(['update-index', '--cacheinfo', `100644,${blob},${file}`]);
  };
  edit('Makefile', (t) =>
    t
      .replace(/^VERSION = \d+$/m, 'VERSION = 4')
      .replace(/^PATCHLEVEL = \d+$/m, 'PATCHLEVEL = 19')
      .replace(/^SUBLEVEL = \d+$/m, 'SUBLEVEL = 0'),
  );
  for (const file of new Set(Object.values(AFTER_4_19))) {
    edit(file, (t) =>
      Object.keys(AFTER_4_19)
        .filter((s) => AFTER_4_19[s] === file)
        .reduce((text, s) => text.replace(new RegExp(`^config ${s}$`, 'm'), `config KPCI_NOT_IN_4_19_${s}`), t),
    );
  }
  const tree419 = git(['write-tree']).trim();
  const old = git(
    ['commit-tree', tree419, '-p', commit, '-m', 'linux 4.19 (as far as kernel-patch-ci can tell)'],
    undefined,
  ).trim();
  git(['update-ref', 'refs/heads/master', old]);
  git(['symbolic-ref', 'HEAD', 'refs/heads/master']);
  for (const f of ['Makefile', 'Kconfig']) await writeFile(path.join(dir, f), git(['show', `${old}:${f}`]));
  return dir;
}

/** KPCI_EXHAUSTIVE=1 (scripts/test-exhaustive.sh): every tree, every cell, every failure mode. */
export const EXHAUSTIVE = process.env.KPCI_EXHAUSTIVE === '1';

/** The example series each tree is vetted with: the dm conversion is 6.1's, the md one 6.12's. */
export const EXAMPLE_OF: Record<string, string> = { '6.1': 'dm-kmap-local', '6.12': 'md-kmap-local' };

/** The out dir every integration and e2e run on this tree shares (test/helpers/kernel.ts). */
export const e2eOutDir = (t: TestTree): Promise<string> => tarballOutDir(t.tarball);
