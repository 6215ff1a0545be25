// The functions a series changed, by name and by their changed lines in the final tree: what coverage and the
// kernel-log watchdog talk about.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { enclosingFunction } from '../kernel/cfunc.js';
import { lineInFinalTree } from './lines.js';
import type { Patch } from './intake.js';

export interface ChangedFunction {
  file: string;
  name: string;
  /** Lines of the final tree this series added inside the function. */
  lines: number[];
  /** Patches that changed it. */
  patches: number[];
}

/** Added lines of every .c file, carried to the final tree, grouped by the function around them. */
export async function changedFunctions(treeDir: string, patches: readonly Patch[]): Promise<ChangedFunction[]> {
  const byKey = new Map<string, ChangedFunction>();
  const sources = new Map<string, string | undefined>();
  for (const patch of patches) {
    for (const change of patch.files) {
      if (!change.path.endsWith('.c') || change.status === 'deleted') continue;
      if (!sources.has(change.path)) sources.set(change.path, await readFile(path.join(treeDir, change.path), 'utf8').catch(() => undefined));
      const source = sources.get(change.path);
      if (source === undefined) continue; // deleted by a later patch
      for (const hunk of change.hunks) {
        for (const added of hunk.added) {
          const line = lineInFinalTree(patches, patch.index, change.path, added);
          const name = enclosingFunction(source, line);
          if (!name) continue;
          const key = `${change.path}:${name}`;
          const fn = byKey.get(key) ?? { file: change.path, name, lines: [], patches: [] };
          if (!fn.lines.includes(line)) fn.lines.push(line);
          if (!fn.patches.includes(patch.index)) fn.patches.push(patch.index);
          byKey.set(key, fn);
        }
      }
    }
  }
  return [...byKey.values()].map((f) => ({ ...f, lines: f.lines.sort((a, b) => a - b) }));
}

/** Pure: the lines of each .c file, in the final tree, that the series added (a later patch may move or drop them). */
export function addedLinesInFinalTree(patches: readonly Patch[]): Map<string, number[]> {
  const lines = new Map<string, Set<number>>();
  for (const patch of patches) {
    for (const change of patch.files) {
      if (!change.path.endsWith('.c')) continue;
      if (change.status === 'deleted') {
        lines.delete(change.path);
        continue;
      }
      for (const hunk of change.hunks) {
        for (const added of hunk.added) {
          const set = lines.get(change.path) ?? new Set<number>();
          set.add(lineInFinalTree(patches, patch.index, change.path, added));
          lines.set(change.path, set);
        }
      }
    }
  }
  return new Map([...lines].map(([f, s]) => [f, [...s].sort((a, b) => a - b)]));
}
