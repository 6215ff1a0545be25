// The base's sparse check in one config kept between runs: its O= dir as the base check left it (configured,
// prepared, the touched objects built), which objects it checked, what it said it could not check, and sparse's base
// diagnostics. A v2 on the same base restores them and compiles and checks only the patched side.
import type { BaseCacheUse, Finding } from '../results/model.js';
import type { Located } from '../findings/locate.js';
import { loadEntry, restoreFolder, saveEntry, type EntryStore } from '../cache/entries.js';
import { execTool } from '../tools/exec.js';

export interface SparseBase {
  objects: string[];
  /** NOT_CHECKED findings of this config (a touched file its config does not build). */
  notChecked: Finding[];
  diagnostics: Located[];
}

/** `sparse --version`, a key part: another sparse can warn otherwise. */
export async function sparseVersion(): Promise<string> {
  const result = await execTool('sparse', ['--version']).catch(() => undefined);
  return result?.code === 0 ? result.stdout.trim() : 'no sparse --version';
}

/** The cached base of key into buildDir (its files all stamped now), or why there is none. */
export async function restoreSparseBase(
  store: EntryStore,
  key: string,
  buildDir: string,
): Promise<{ use: BaseCacheUse; base?: SparseBase }> {
  const entry = await loadEntry<SparseBase>(store, key);
  if (!entry.hit) return { use: { key, hit: false, why: entry.why } };
  await restoreFolder(entry.dir, 'O', buildDir);
  return { use: { key, hit: true }, base: entry.meta };
}

/** Keep a base check that ran to its end, before the patched tree is checked out; what saving said. */
export async function saveSparseBase(
  store: EntryStore,
  key: string,
  buildDir: string,
  base: SparseBase,
): Promise<string> {
  const saved = await saveEntry(store, key, {
    copy: [{ name: 'O', from: buildDir }],
    meta: base,
    skipPrefix: '.kpci-',
  });
  return saved.saved ? 'saved' : `not saved: ${saved.why}`;
}
