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
  for (const { patch, file, line } of addedLinesTraced(patches)) {
    if (!sources.has(file)) sources.set(file, await readFile(path.join(treeDir, file), 'utf8').catch(() => undefined));
    const source = sources.get(file);
    if (source === undefined) continue;
    const name = enclosingFunction(source, line);
    if (!name) continue;
    const key = `${file}:${name}`;
    const fn = byKey.get(key) ?? { file, name, lines: [], patches: [] };
    if (!fn.lines.includes(line)) fn.lines.push(line);
    if (!fn.patches.includes(patch)) fn.patches.push(patch);
    byKey.set(key, fn);
  }
  return [...byKey.values()].map((f) => ({ ...f, lines: f.lines.sort((a, b) => a - b) }));
}

/** Pure: the lines of each .c file, in the final tree, that the series added (a later patch may move or drop them). */
export function addedLinesInFinalTree(patches: readonly Patch[]): Map<string, number[]> {
  const lines = new Map<string, Set<number>>();
  for (const { file, line } of addedLinesTraced(patches)) {
    const set = lines.get(file) ?? new Set<number>();
    set.add(line);
    lines.set(file, set);
  }
  return new Map([...lines].map(([f, s]) => [f, [...s].sort((a, b) => a - b)]));
}

/** Every line a patch added to a .c file, where it is in the final tree; lines a later patch removed are left out. */
function* addedLinesTraced(patches: readonly Patch[]): Generator<{ patch: number; file: string; line: number }> {
  for (const patch of patches) {
    for (const change of patch.files) {
      if (change.status === 'deleted') continue;
      for (const added of change.hunks.flatMap((h) => h.added)) {
        const where = traceToFinalTree(patches, patch.index, change.path, added);
        if (where && where.file.endsWith('.c')) yield { patch: patch.index, ...where };
      }
    }
  }
}
