// Carry a line number through later patches, so a finding on patch 1 points at the same line in the final tree.
import type { Hunk } from './diff.js';
import type { Patch } from './intake.js';

/**
 * An empty side is written as the line before it ("-10,0" inserts after line 10): its range starts at the next line.
 */
const oldFrom = (h: Hunk) => (h.oldLines === 0 ? h.oldStart + 1 : h.oldStart);
const newFrom = (h: Hunk) => (h.newLines === 0 ? h.newStart + 1 : h.newStart);

/** Pure: where old line `line` is after one patch's hunks on its file, or undefined when a hunk removes it. */
export function traceLine(hunks: readonly Hunk[], line: number): number | undefined {
  let offset = 0;
  for (const h of hunks) {
    const oldStart = oldFrom(h);
    const oldEnd = oldStart + h.oldLines;
    if (line < oldStart) break;
    if (line < oldEnd) {
      if (h.removed.includes(line)) return undefined;
      // the k-th kept line of the old range is the k-th line of the new range the hunk did not add
      let k = 0;
      for (let l = oldStart; l < line; l++) if (!h.removed.includes(l)) k++;
      for (let n = newFrom(h); n < newFrom(h) + h.newLines; n++) {
        if (h.added.includes(n)) continue;
        if (k-- === 0) return n;
      }
      return undefined;
    }
    offset = newFrom(h) + h.newLines - oldEnd;
  }
  return line + offset;
}

/** Pure: like traceLine, but a removed line maps onto what replaced it (for a finding, which must point somewhere). */
export function shiftLine(hunks: readonly Hunk[], line: number): number {
  const traced = traceLine(hunks, line);
  if (traced !== undefined) return traced;
  const h = hunks.find((x) => line >= oldFrom(x) && line < oldFrom(x) + x.oldLines)!;
  return Math.min(newFrom(h) + (line - oldFrom(h)), newFrom(h) + Math.max(h.newLines - 1, 0));
}

/** The line in the tree after the whole series, for `line` of `file` as it was right after patch `after`. */
export function lineInFinalTree(patches: readonly Patch[], after: number, file: string, line: number): number {
  let current = line;
  for (const patch of patches.slice(after)) {
    const change = patch.files.find((f) => (f.oldPath ?? f.path) === file || f.path === file);
    if (change) current = shiftLine(change.hunks, current);
  }
  return current;
}

/**
 * Where a line written by patch `after` is in the final tree, following renames; undefined when a later patch drops it.
 */
export function traceToFinalTree(
  patches: readonly Patch[],
  after: number,
  file: string,
  line: number,
): { file: string; line: number } | undefined {
  let where = { file, line };
  for (const patch of patches.slice(after)) {
    const change = patch.files.find((f) => (f.oldPath ?? f.path) === where.file);
    if (!change) continue;
    if (change.status === 'deleted') return undefined;
    const traced = traceLine(change.hunks, where.line);
    if (traced === undefined) return undefined;
    where = { file: change.path, line: traced };
  }
  return where;
}
