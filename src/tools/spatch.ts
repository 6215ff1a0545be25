// Coccinelle's spatch, run with one semantic patch on one C file; the rules print "TYPE|file|line|function".
import { execTool } from './exec.js';
import { RunError } from '../errors.js';

export interface SpatchMatch {
  type: string;
  file: string;
  line: number;
  /** The function the match is in, as Coccinelle names it ("something_else" outside any). */
  function: string;
}

/** Pure: the lines our rules' python scripts print; spatch's own chatter is ignored. */
export function parseSpatchMatches(output: string): SpatchMatch[] {
  const matches: SpatchMatch[] = [];
  for (const line of output.split('\n')) {
    const m = /^([A-Z][A-Z0-9_]+)\|(.+)\|(\d+)\|(\S+)$/.exec(line.trim());
    if (m) matches.push({ type: m[1]!, file: m[2]!, line: Number(m[3]), function: m[4]! });
  }
  return matches;
}

export interface SpatchOptions {
  cwd: string;
  timeoutMs: number;
}

/** One semantic patch over several files in one spatch: parsing the C files is most of the cost. */
export async function runSpatch(
  rule: string,
  files: readonly string[],
  options: SpatchOptions,
): Promise<SpatchMatch[]> {
  if (files.length === 0) return [];
  // --no-includes: the rules match call shapes inside one file, and parsing every header would cost minutes
  const result = await execTool(
    'spatch',
    ['--very-quiet', '--no-includes', '--no-show-diff', '--sp-file', rule, ...files],
    {
      cwd: options.cwd,
      timeoutMs: options.timeoutMs,
      env: { ...process.env, LC_ALL: 'C' },
    },
  );
  if (result.code !== 0 || result.timedOut) {
    const why = result.timedOut
      ? 'timed out'
      : (result.stderr
          .trim()
          .split('\n')
          .find((l) => l.trim()) ?? `exit ${result.code}`);
    throw new RunError(
      `spatch ${rule.split('/').at(-1)} on ${files.length === 1 ? files[0] : `${files.length} files`} failed: ${why}`,
      'tool',
    );
  }
  return parseSpatchMatches(result.stdout);
}
