// Pure parser for "file:line:col: severity: message" diagnostics, the format gcc and sparse share.
import path from 'node:path';

export interface Diagnostic {
  file: string;
  line: number;
  column?: number;
  severity: 'error' | 'warning' | 'info';
  message: string;
  /** From the linker, not the compiler: an undefined reference. */
  fromLinker?: boolean;
}

const DIAG = /^(.+?):(\d+):(?:(\d+):)? (warning|error|note|info): (.*)$/;
/** sparse continues a message on lines that repeat its position: "file:line:col:    struct foo *". */
const CONTINUATION = /^(.+?):(\d+):(?:\d+:)?\s{2,}(\S.*)$/;

/**
 * Paths as the tree names them. kbuild runs the compiler in the O= dir, so a relative path (ccache with
 * CCACHE_BASEDIR makes them relative, e.g. "../../linux/drivers/md/dm.c") is resolved from there; what is not in
 * the tree (generated headers in the O= dir) keeps its name without a leading "./".
 */
export function treeRelative(file: string, treeDir: string, cwd?: string): string {
  const absolute = path.isAbsolute(file) ? file : cwd ? path.resolve(cwd, file) : undefined;
  const prefix = treeDir.endsWith(path.sep) ? treeDir : treeDir + path.sep;
  if (absolute?.startsWith(prefix)) return absolute.slice(prefix.length);
  return file.replace(/^(\.\/)+/, '');
}

export function parseDiagnostics(output: string, treeDir: string, cwd?: string): Diagnostic[] {
  const found: Diagnostic[] = [];
  let last: Diagnostic | undefined;
  for (const raw of output.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const cont = CONTINUATION.exec(line);
    if (cont && last && treeRelative(cont[1]!, treeDir, cwd) === last.file && Number(cont[2]) === last.line) {
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
        file: treeRelative(m[1]!, treeDir, cwd),
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

export interface LinkError {
  /** The object (or vmlinux.o) the linker names, and the source file name it gives (a basename). */
  object: string;
  source?: string;
  /** The source line, when the object has debug info (the build gives it to the touched objects). */
  line?: number;
  function?: string;
  symbol: string;
  message: string;
}

const UNDEFINED_AT = /^(?:(\S+?):(?:\([^)]*\)|(\d+))|\S*ld(?:\.bfd)?: (\S+?)(?::\([^)]*\))?)/;
const UNDEFINED_SYMBOL = /: undefined reference to [`'‘]([^'’`]+)['’`]$/;
const UNDEFINED_REFERENCE = new RegExp(UNDEFINED_AT.source + UNDEFINED_SYMBOL.source);

/**
 * Pure: undefined references from ld ("ld: x.o: in function `f':" then "x.c:(.text+0x1): undefined reference to
 * `sym'", or "<path>/x.c:123: undefined reference…" when x.o has debug info) and from modpost
 * ('ERROR: modpost: "sym" [drivers/md/x.ko] undefined!').
 */
export function parseLinkErrors(output: string): LinkError[] {
  const errors: LinkError[] = [];
  let object: string | undefined;
  let fn: string | undefined;
  for (const line of output.split('\n')) {
    const inFunction = /^(?:\S*ld(?:\.bfd)?): (\S+): in function [`'‘]([^'’`]+)['’`]:$/.exec(line);
    if (inFunction) {
      object = inFunction[1];
      fn = inFunction[2];
      continue;
    }
    const undef = UNDEFINED_REFERENCE.exec(line);
    if (undef) {
      const symbol = undef[4]!;
      const source = undef[1] === undefined ? undefined : path.basename(undef[1]);
      errors.push({
        object: object ?? undef[3] ?? '',
        source,
        ...(undef[2] ? { line: Number(undef[2]) } : {}),
        function: fn,
        symbol,
        message: `undefined reference to \`${symbol}'${fn ? ` in ${fn}()` : ''}`,
      });
      continue;
    }
    const modpost = /^ERROR: modpost: "([^"]+)" \[([^\]]+)\] undefined!$/.exec(line);
    if (modpost)
      errors.push({
        object: modpost[2]!,
        symbol: modpost[1]!,
        message: `undefined reference to \`${modpost[1]}' (modpost)`,
      });
  }
  return errors;
}
