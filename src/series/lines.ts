// Carry a line number through later patches, so a finding on patch 1 points at the same line in the final tree.
import type { Hunk } from './diff.js';
import type { Patch } from './intake.js';

/** Pure: where line `line` of a file ends up after one patch's hunks on that file (a changed line maps into its hunk). */
export function shiftLine(hunks: readonly Hunk[], line: number): number {
  let offset = 0;
  for (const h of hunks) {
    // An empty side is written as the line before it ("-10,0" inserts after line 10): start at the next line.
    const oldStart = h.oldLines === 0 ? h.oldStart + 1 : h.oldStart;
    const newStart = h.newLines === 0 ? h.newStart + 1 : h.newStart;
    const oldEnd = oldStart + h.oldLines;
    if (line < oldStart) break;
    if (line < oldEnd) return Math.min(newStart + (line - oldStart), newStart + Math.max(h.newLines - 1, 0));
    offset = newStart + h.newLines - oldEnd;
  }
  return line + offset;
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
