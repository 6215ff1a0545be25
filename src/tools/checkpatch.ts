// The tree's own scripts/checkpatch.pl, run on one patch, and a pure parser of its default output.
import path from 'node:path';
import { execTool } from './exec.js';
import { RunError } from '../errors.js';

export interface CheckpatchFinding {
  level: 'ERROR' | 'WARNING' | 'CHECK';
  type: string;
  message: string;
  file?: string;
  line?: number;
}

export interface CheckpatchReport {
  findings: CheckpatchFinding[];
  totals?: { errors: number; warnings: number; checks: number; lines: number };
}

const HEAD = /^(ERROR|WARNING|CHECK):([A-Z0-9_]+): (.*)$/;
const WHERE = /^#\d+: FILE: (.+):(\d+):$/;
const TOTAL = /^total: (\d+) errors, (\d+) warnings, (?:(\d+) checks, )?(\d+) lines checked$/;

/** Each finding is a block: "LEVEL:TYPE: message", then maybe "#N: FILE: path:line:", then quoted context. */
export function parseCheckpatch(output: string): CheckpatchReport {
  const report: CheckpatchReport = { findings: [] };
  let current: CheckpatchFinding | undefined;
  let inContext = false;
  for (const line of output.split('\n')) {
    const head = HEAD.exec(line);
    if (head) {
      current = { level: head[1] as CheckpatchFinding['level'], type: head[2]!, message: head[3]!.trim() };
      report.findings.push(current);
      inContext = false;
      continue;
    }
    const total = TOTAL.exec(line);
    if (total) {
      report.totals = {
        errors: Number(total[1]),
        warnings: Number(total[2]),
        checks: Number(total[3] ?? 0),
        lines: Number(total[4]),
      };
      current = undefined;
      continue;
    }
    if (!current) continue;
    if (line.trim() === '') {
      current = undefined;
      continue;
    }
    const where = WHERE.exec(line);
    if (where) {
      current.file = where[1];
      current.line = Number(where[2]);
      inContext = true;
    } else if (/^#\d+: /.test(line)) inContext = true;
    // a message wrapped onto more lines
    else if (!inContext && !/^[+\- ]/.test(line)) current.message += ` ${line.trim()}`;
  }
  return report;
}

export interface CheckpatchOptions {
  treeDir: string;
  strict: boolean;
  ignore: string[];
  timeoutMs: number;
}

export async function runCheckpatch(patchFile: string, options: CheckpatchOptions): Promise<CheckpatchReport> {
  const args = [
    path.join(options.treeDir, 'scripts', 'checkpatch.pl'),
    '--no-color',
    '--show-types',
    '--no-summary-file',
  ];
  if (options.strict) args.push('--strict');
  if (options.ignore.length > 0) args.push('--ignore', options.ignore.join(','));
  args.push(patchFile);
  const result = await execTool('perl', args, {
    cwd: options.treeDir,
    timeoutMs: options.timeoutMs,
    env: { ...process.env, LC_ALL: 'C' },
  });
  const report = parseCheckpatch(result.stdout);
  // 0 = clean, 1 = style problems; anything else, or no totals line, means checkpatch itself did not run right.
  if (result.timedOut || (result.code !== 0 && result.code !== 1) || (!report.totals && report.findings.length === 0)) {
    const why = result.timedOut ? 'timed out' : (result.stderr.trim().split('\n')[0] ?? `exit ${result.code}`);
    throw new RunError(`checkpatch.pl did not run on ${path.basename(patchFile)}: ${why}`, 'tool');
  }
  return report;
}
