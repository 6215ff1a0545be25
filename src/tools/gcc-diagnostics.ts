// Pure parser for "file:line:col: severity: message" diagnostics, the format gcc and sparse share.
import path from 'node:path';

export interface Diagnostic {
  file: string;
  line: number;
  column?: number;
  severity: 'error' | 'warning' | 'info';
  message: string;
}

const DIAG = /^(.+?):(\d+):(?:(\d+):)? (warning|error|note|info): (.*)$/;

/** Paths as the tree names them: strip the source dir kbuild prints with O=, and a leading "./". */
export function treeRelative(file: string, treeDir: string): string {
  const prefix = treeDir.endsWith(path.sep) ? treeDir : treeDir + path.sep;
  const rel = file.startsWith(prefix) ? file.slice(prefix.length) : file;
  return rel.replace(/^(\.\/)+/, '');
}

/** Indented lines after a diagnostic continue it (sparse prints the two types of a mismatch that way). */
export function parseDiagnostics(output: string, treeDir: string): Diagnostic[] {
  const found: Diagnostic[] = [];
  let last: Diagnostic | undefined;
  for (const raw of output.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const m = DIAG.exec(line);
    if (m && !line.startsWith(' ')) {
      if (m[4] === 'note') {
        last = undefined;
        continue;
      }
      last = {
        file: treeRelative(m[1]!, treeDir),
        line: Number(m[2]),
        column: m[3] === undefined ? undefined : Number(m[3]),
        severity: m[4] === 'error' ? 'error' : m[4] === 'warning' ? 'warning' : 'info',
        message: m[5]!.trim(),
      };
      found.push(last);
    } else if (last && /^\s{2,}\S/.test(line) && !/^\s+(CC|CHECK|LD|AR|GEN|CALL|DESCEND|HOSTCC|UPD|SYNC)\s/.test(line)) {
      last.message += ` ${line.trim()}`;
    } else last = undefined;
  }
  return found;
}
