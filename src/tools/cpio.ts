// cpio, the initramfs format: pack a directory as a newc archive owned by root.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { execTool } from './exec.js';
import { infraError } from '../errors.js';

async function walk(root: string, rel = ''): Promise<string[]> {
  const entries = await readdir(path.join(root, rel), { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    out.push(p);
    if (e.isDirectory()) out.push(...(await walk(root, p)));
  }
  return out;
}

/** Every file under `dir` into the newc archive `outFile`, in name order so the archive is reproducible. */
export async function packDirectory(dir: string, outFile: string): Promise<void> {
  const files = await walk(dir);
  const result = await execTool('cpio', ['-o', '-H', 'newc', '-R', '0:0', '--quiet', '-O', outFile], {
    cwd: dir,
    input: files.join('\n') + '\n',
    timeoutMs: 300_000,
  });
  if (result.code !== 0)
    throw infraError(
      `cpio could not pack ${dir}: ${result.stderr.trim().split('\n')[0] ?? `exit status ${result.code}`}`,
    );
}
