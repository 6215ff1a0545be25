// The host as a test needs it to be: a PATH that lacks some tools, and a small kernel checkout of the real 6.1 files.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A directory of links to everything on PATH except the commands starting with `prefix` (qemu-system-). */
export function pathWithout(prefix: string): string {
  const bin = mkdtempSync(path.join(os.tmpdir(), 'kpci-path-without-'));
  for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    for (const name of existsSync(dir) ? readdirSync(dir) : [])
      if (!name.startsWith(prefix) && !existsSync(path.join(bin, name)))
        symlinkSync(path.join(dir, name), path.join(bin, name));
  }
  return bin;
}

const GIT_ENV = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'D',
  GIT_AUTHOR_EMAIL: 'd@e.invalid',
  GIT_COMMITTER_NAME: 'D',
  GIT_COMMITTER_EMAIL: 'd@e.invalid',
};

/** A git checkout holding the files of a Debian kernel tarball that the example dm series touches, one commit. */
export function smallKernelCheckout(dir: string, tarball: string): (...args: string[]) => string {
  mkdirSync(dir, { recursive: true });
  const top = path.basename(tarball).replace(/\.tar\.xz$/, '');
  execFileSync('tar', [
    '-xJf',
    tarball,
    '--strip-components=1',
    '-C',
    dir,
    ...['Makefile', 'Kconfig', 'drivers/md/dm-crypt.c', 'drivers/md/dm-log-writes.c'].map((f) => `${top}/${f}`),
  ]);
  const git = (...a: string[]) =>
    execFileSync('git', a, { cwd: dir, encoding: 'utf8', env: { ...process.env, ...GIT_ENV } }).trim();
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'base');
  return git;
}
