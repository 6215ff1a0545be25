// Which C files a series (or its first n patches) leaves changed in the tree.
import type { Patch } from './intake.js';

/** The .c files added or modified by these patches and still present after them, in first-touched order. */
export function touchedCFiles(patches: readonly Patch[]): string[] {
  const files = new Set<string>();
  for (const patch of patches) {
    for (const f of patch.files) {
      if (f.status === 'deleted') files.delete(f.path);
      else {
        if (f.status === 'renamed' && f.oldPath) files.delete(f.oldPath);
        if (f.path.endsWith('.c')) files.add(f.path);
      }
    }
  }
  return [...files];
}

/** The index of the only patch that touches `file`, or undefined when several (or none) do. */
export function onlyPatchTouching(patches: readonly Patch[], file: string): number | undefined {
  const touching = patches.filter((p) => p.files.some((f) => f.path === file));
  return touching.length === 1 ? touching[0]!.index : undefined;
}
