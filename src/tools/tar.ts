// tar, for unpacking only: a kernel source tarball, the guest's results disk (a tar written onto a raw disk).
import { execTool } from './exec.js';
import { infraError } from '../errors.js';

export interface ExtractOptions {
  timeoutMs: number;
  onLine?: (line: string) => void;
}

/** Unpack `archive` into `dir` (which must exist); the first line of tar's complaint when it cannot. */
export async function extractTar(
  archive: string,
  dir: string,
  options: ExtractOptions,
): Promise<{ ok: true } | { ok: false; why: string }> {
  const result = await execTool('tar', ['-xf', archive, '-C', dir], {
    timeoutMs: options.timeoutMs,
    ...(options.onLine ? { onLine: options.onLine } : {}),
  });
  if (result.code === 0) return { ok: true };
  return {
    ok: false,
    why: result.timedOut
      ? `tar took longer than ${options.timeoutMs / 1000}s`
      : result.stderr.trim().split('\n')[0] || 'tar failed',
  };
}

/** Unpack only the members matching `globs` (tar --wildcards) of `archive` into `dir`. */
export async function extractMembers(archive: string, dir: string, globs: readonly string[]): Promise<void> {
  const result = await execTool('tar', ['-xf', archive, '-C', dir, '--wildcards', '--no-same-owner', ...globs], {
    timeoutMs: 300_000,
  });
  if (result.code !== 0)
    throw infraError(`cannot unpack ${globs.join(', ')} of ${archive}: ${result.stderr.trim().split('\n')[0]}`);
}

/** An xz-compressed tarball of `names` (relative to `dir`). */
export async function createTarXz(file: string, dir: string, names: readonly string[]): Promise<void> {
  const result = await execTool('tar', ['-cJf', file, '-C', dir, '--', ...names], { timeoutMs: 300_000 });
  if (result.code !== 0) throw infraError(`cannot write ${file}: ${result.stderr.trim().split('\n')[0]}`);
}
