// mke2fs -d: an ext4 file system image filled from a directory, made without root or a loop device.
import { open } from 'node:fs/promises';
import { execTool } from './exec.js';
import { infraError } from '../errors.js';

/** Write `file` (sparse, `mib` MiB) as an ext4 image of `dir`'s contents; no journal: the guest's copy is scratch. */
export async function makeExt4Image(file: string, dir: string, mib: number, label: string): Promise<void> {
  const handle = await open(file, 'w');
  try {
    await handle.truncate(mib * 1024 * 1024);
  } finally {
    await handle.close();
  }
  const args = ['-q', '-F', '-t', 'ext4', '-O', '^has_journal', '-L', label, '-d', dir, file];
  const result = await execTool('mke2fs', args, { timeoutMs: 300_000, env: { ...process.env, LC_ALL: 'C' } });
  if (result.code !== 0)
    throw infraError(
      `mke2fs could not make ${file}: ${(result.stderr || result.stdout).trim().split('\n')[0] ?? result.code}`,
    );
}
