// Pure parser of a unified git diff: which files a patch touches, its hunks and the lines it adds.

export type ChangeStatus = 'modified' | 'added' | 'deleted' | 'renamed';

export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** The @@ line as written, with the function context git put after it. */
  header: string;
  /** Line numbers, in the new file, of the lines this hunk adds. */
  added: number[];
  /** Line numbers, in the old file, of the lines this hunk removes. */
  removed: number[];
  /** The first non-blank line the hunk expects to find in the old file, to recognise it by. */
  firstOldLine?: string;
}

export interface FileChange {
  path: string;
  oldPath?: string;
  status: ChangeStatus;
  binary: boolean;
  hunks: Hunk[];
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

function unquote(p: string): string {
  return p.startsWith('"') && p.endsWith('"') ? JSON.parse(p) : p;
}

function stripPrefix(p: string): string {
  const path = unquote(p.trim());
  return path.replace(/^[ab]\//, '');
}

export function parseDiff(text: string): FileChange[] {
  const files: FileChange[] = [];
  let current: FileChange | undefined;
  let hunk: Hunk | undefined;
  let newLine = 0;
  let oldLine = 0;
  let oldLeft = 0;
  let newLeft = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('diff --git ')) {
      const m = /^diff --git (a\/.+|"a\/.+") (b\/.+|"b\/.+")$/.exec(line);
      const path = m ? stripPrefix(m[2]!) : line.slice('diff --git '.length);
      current = { path, status: 'modified', binary: false, hunks: [] };
      if (m && stripPrefix(m[1]!) !== path) current.oldPath = stripPrefix(m[1]!);
      files.push(current);
      hunk = undefined;
      continue;
    }
    if (!current) continue;
    if (hunk && (oldLeft > 0 || newLeft > 0)) {
      // inside a hunk body: count lines so a "--- " removed line is not taken for a header
      if (line.startsWith('+')) {
        hunk.added.push(newLine++);
        newLeft--;
      } else if (line.startsWith('-')) {
        if (line.trim() !== '-') hunk.firstOldLine ??= line.slice(1);
        hunk.removed.push(oldLine++);
        oldLeft--;
      } else if (line.startsWith(' ') || line === '') {
        if (line.trim() !== '') hunk.firstOldLine ??= line.slice(1);
        newLine++;
        oldLine++;
        oldLeft--;
        newLeft--;
      }
      continue;
    }
    const h = HUNK.exec(line);
    if (h) {
      hunk = {
        oldStart: Number(h[1]),
        oldLines: h[2] === undefined ? 1 : Number(h[2]),
        newStart: Number(h[3]),
        newLines: h[4] === undefined ? 1 : Number(h[4]),
        header: line,
        added: [],
        removed: [],
      };
      newLine = hunk.newStart;
      oldLine = hunk.oldStart;
      oldLeft = hunk.oldLines;
      newLeft = hunk.newLines;
      current.hunks.push(hunk);
    } else if (line.startsWith('new file mode')) current.status = 'added';
    else if (line.startsWith('deleted file mode')) current.status = 'deleted';
    else if (line.startsWith('rename from ')) {
      current.status = 'renamed';
      current.oldPath = line.slice('rename from '.length);
    } else if (line.startsWith('rename to ')) current.path = line.slice('rename to '.length);
    else if (line === 'GIT binary patch' || /^Binary files .* differ$/.test(line)) current.binary = true;
    else if (line.startsWith('+++ ') && line !== '+++ /dev/null') current.path = stripPrefix(line.slice(4));
  }
  return files;
}

/** The hunk of `file` whose old range contains `oldLine` (what "patch failed: file:N" points at). */
export function hunkAt(files: readonly FileChange[], file: string, oldLine: number): Hunk | undefined {
  const change = files.find((f) => f.path === file || f.oldPath === file);
  return (
    change?.hunks.find((h) => h.oldStart === oldLine) ??
    change?.hunks.find((h) => oldLine >= h.oldStart && oldLine < h.oldStart + Math.max(h.oldLines, 1))
  );
}
