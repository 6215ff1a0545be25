// Findings the way gcc and checkpatch print them, one per line, so an editor's quickfix can jump to each:
//   drivers/md/dm-crypt.c:560: error: checkpatch/TRAILING_WHITESPACE: trailing whitespace (patch 1)
import type { Finding, Results } from '../results/model.js';

const SEVERITY: Record<Finding['severity'], string> = { error: 'error', warning: 'warning', info: 'note' };

export function terseFinding(f: Finding): string {
  const where = f.file ? `${f.file}:${f.line ? `${f.line}:` : ''} ` : '';
  const what = f.type ? `${f.tool}/${f.type}` : f.tool;
  const context = [f.patch ? `patch ${f.patch}` : '', f.config ?? '', f.new === false ? 'already in the base' : '']
    .filter(Boolean)
    .join(', ');
  return `${where}${SEVERITY[f.severity]}: ${what}: ${f.message.split('\n')[0]}${context ? ` (${context})` : ''}`;
}

/** Every finding of the run in stage order; what the base already had only when asked for. */
export function terseFindings(results: Results, opts: { all?: boolean } = {}): string[] {
  return results.stages
    .flatMap((s) => s.findings)
    .filter((f) => opts.all || f.new !== false)
    .map(terseFinding);
}
