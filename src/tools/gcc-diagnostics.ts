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
/** sparse continues a message on lines that repeat its position: "file:line:col:    struct foo *". */
const CONTINUATION = /^(.+?):(\d+):(?:\d+:)?\s{2,}(\S.*)$/;

/** Paths as the tree names them: strip the source dir kbuild prints with O=, and a leading "./". */
export function treeRelative(file: string, treeDir: string): string {
  const prefix = treeDir.endsWith(path.sep) ? treeDir : treeDir + path.sep;
  const rel = file.startsWith(prefix) ? file.slice(prefix.length) : file;
  return rel.replace(/^(\.\/)+/, '');
}

export function parseDiagnostics(output: string, treeDir: string): Diagnostic[] {
  const found: Diagnostic[] = [];
  let last: Diagnostic | undefined;
  for (const raw of output.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const cont = CONTINUATION.exec(line);
    if (cont && last && treeRelative(cont[1]!, treeDir) === last.file && Number(cont[2]) === last.line) {
      last.message += ` ${cont[3]!.trim()}`;
      continue;
    }
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
    } else last = undefined;
  }
  return found;
}
