// A cell's base build kept between runs: the O= dir as the base build and its W=1 left it, the base kernel, and the
// base's diagnostics. A v2 run of the same base restores them and makes only what the series changed.
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { BaseCacheUse } from '../results/model.js';
import type { Located } from '../findings/locate.js';
import { baseBuildKey } from '../cache/base-keys.js';
import { loadEntry, restoreFolder, saveEntry, type EntryStore } from '../cache/entries.js';
import type { Kernel } from './artifacts.js';

interface BaseBuildMeta {
  diagnostics: Located[];
}

export interface RestoredBase {
  use: BaseCacheUse;
  /** On a hit: the base's diagnostics (the base kernel and O= dir are in place). */
  diagnostics?: Located[];
}

export async function baseBuildKeyOf(parts: {
  baseCommit: string;
  cell: string;
  arch: string;
  fragmentFile: string;
  seriesFragmentFile: string;
  compiler: string;
  touched: readonly string[];
}): Promise<string> {
  return baseBuildKey({
    baseCommit: parts.baseCommit,
    cell: parts.cell,
    arch: parts.arch,
    fragment: await readFile(parts.fragmentFile, 'utf8'),
    seriesFragment: await readFile(parts.seriesFragmentFile, 'utf8'),
    compiler: parts.compiler,
    touched: parts.touched,
  });
}

/** The cached base of key into buildDir and the base kernel's paths; a miss says why and touches nothing. */
export async function restoreBaseBuild(
  store: EntryStore,
  key: string,
  buildDir: string,
  base: Kernel,
): Promise<RestoredBase> {
  const entry = await loadEntry<BaseBuildMeta>(store, key);
  if (!entry.hit) return { use: { key, hit: false, why: entry.why } };
  await restoreFolder(entry.dir, 'O', buildDir);
  await mkdir(path.dirname(base.image), { recursive: true });
  await copyFile(path.join(entry.dir, 'image'), base.image);
  await copyFile(path.join(entry.dir, 'vmlinux'), base.vmlinux);
  if (base.gcnoDir && existsSync(path.join(entry.dir, 'gcno'))) await restoreFolder(entry.dir, 'gcno', base.gcnoDir);
  return { use: { key, hit: true }, diagnostics: entry.meta.diagnostics };
}

/** Keep a base just built (before any patched make touches the O= dir); what saving said, in a few words. */
export async function saveBaseBuild(
  store: EntryStore,
  key: string,
  buildDir: string,
  base: Kernel,
  diagnostics: Located[],
): Promise<string> {
  const saved = await saveEntry(store, key, {
    copy: [
      { name: 'O', from: buildDir },
      { name: 'image', from: base.image },
      { name: 'vmlinux', from: base.vmlinux },
      ...(base.gcnoDir && existsSync(base.gcnoDir) ? [{ name: 'gcno', from: base.gcnoDir }] : []),
    ],
    meta: { diagnostics } satisfies BaseBuildMeta,
    // our own scratch files in the O= dir (ccache stats logs, the line proof's preprocessed output)
    skipPrefix: '.kpci-',
  });
  return saved.saved ? 'saved' : `not saved: ${saved.why}`;
}
