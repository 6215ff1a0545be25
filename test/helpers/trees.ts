// The two real kernel trees the tests run on: Debian's linux-source-6.1 and linux-source-6.12 tarballs. Tests
// that read source files (not through a run) get one unpacked copy of each, made once per test cache.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { TEST_CACHE } from './kernel.js';

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
  if (!existsSync(t.tarball)) throw new Error(`${t.tarball} is missing: apt-get install linux-source-${t.version} (see README)`);
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
