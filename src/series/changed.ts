// The functions a series changed, by name and by their changed lines in the final tree: what coverage and the
// kernel-log watchdog talk about.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { enclosingFunction } from '../kernel/cfunc.js';
import { traceToFinalTree } from './lines.js';
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
      for (const hunk of change.hunks) {
        for (const added of hunk.added) {
          const where = traceToFinalTree(patches, patch.index, change.path, added);
          if (!where) continue; // a later patch removed it
          if (!sources.has(where.file)) sources.set(where.file, await readFile(path.join(treeDir, where.file), 'utf8').catch(() => undefined));
          const source = sources.get(where.file);
          if (source === undefined) continue;
          const name = enclosingFunction(source, where.line);
          if (!name) continue;
          const key = `${where.file}:${name}`;
          const fn = byKey.get(key) ?? { file: where.file, name, lines: [], patches: [] };
          if (!fn.lines.includes(where.line)) fn.lines.push(where.line);
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
      if (change.status === 'deleted') continue;
      for (const hunk of change.hunks) {
        for (const added of hunk.added) {
          const where = traceToFinalTree(patches, patch.index, change.path, added);
          if (!where || !where.file.endsWith('.c')) continue;
          const set = lines.get(where.file) ?? new Set<number>();
          set.add(where.line);
          lines.set(where.file, set);
        }
      }
    }
  }
  return new Map([...lines].map(([f, s]) => [f, [...s].sort((a, b) => a - b)]));
}
