// What --tree names: a git URL, a local checkout, a plain source directory, or a source tarball.
import { stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { inputError } from '../errors.js';

export const DEFAULT_TREE_URL = 'https://git.kernel.org/pub/scm/linux/kernel/git/device-mapper/linux-dm.git';
export const DEFAULT_REMOTE_REF = 'for-next';

export type TreeSource =
  | { kind: 'remote'; url: string }
  | { kind: 'git-dir'; dir: string }
  | { kind: 'plain-dir'; dir: string }
  | { kind: 'tarball'; file: string };

const URL_PATTERN = /^(https?|git|ssh|file):\/\/\S+$/;
const SCP_PATTERN = /^[\w.-]+@[\w.-]+:\S+$/;
const TARBALL_PATTERN = /\.(tar|tar\.xz|txz|tar\.gz|tgz|tar\.bz2|tbz2|tar\.zst)$/;

export async function classifyTree(spec: string): Promise<TreeSource> {
  if (URL_PATTERN.test(spec) || SCP_PATTERN.test(spec)) return { kind: 'remote', url: spec };
  const resolved = path.resolve(spec);
  const info = await stat(resolved).catch(() => undefined);
  if (!info) throw inputError(`tree ${spec} does not exist (give a git URL, a kernel checkout or a source tarball)`);
  if (info.isFile()) {
    if (!TARBALL_PATTERN.test(resolved))
      throw inputError(`tree ${spec} is a file but not a source tarball (.tar, .tar.xz, .tar.gz, …)`);
    return { kind: 'tarball', file: resolved };
  }
  if (!info.isDirectory()) throw inputError(`tree ${spec} is neither a directory nor a tarball`);
  if (!existsSync(path.join(resolved, 'Makefile')) || !existsSync(path.join(resolved, 'Kconfig'))) {
    throw inputError(`tree ${spec} is not a kernel source tree (no top-level Makefile and Kconfig)`);
  }
  return existsSync(path.join(resolved, '.git'))
    ? { kind: 'git-dir', dir: resolved }
    : { kind: 'plain-dir', dir: resolved };
}

export function describeSource(source: TreeSource): string {
  switch (source.kind) {
    case 'remote':
      return source.url;
    case 'tarball':
      return source.file;
    default:
      return source.dir;
  }
}
