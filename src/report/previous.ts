// The report's "since the previous version" section: what became of its findings, then git range-diff, folded.
import type { PreviousVersion, VersionFinding } from '../results/model.js';

const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function line(f: VersionFinding): string {
  const where = f.file ? ` ${f.file}${f.line ? `:${f.line}` : ''}` : '';
  return `${f.stage}${f.type ? ` \`${f.type}\`` : ''}${where}${f.config ? ` (${f.config})` : ''}: ${esc(f.message)}`;
}

export function previousSection(prev: PreviousVersion): string[] {
  const lines = ['### Since the previous version', ''];
  if (prev.findingsKnown) {
    const n = (k: VersionFinding[]) => k.length;
    lines.push(
      `Against ${esc(prev.from)}: **${n(prev.fixed)} fixed**, **${n(prev.added)} new**, ` +
        `${n(prev.remaining)} still there.`,
      '',
    );
    for (const [label, list] of [
      ['fixed', prev.fixed],
      ['new', prev.added],
      ['still there', prev.remaining],
    ] as const)
      lines.push(...list.map((f) => `- ${label}: ${line(f)}`));
    if (prev.fixed.length + prev.added.length + prev.remaining.length) lines.push('');
  } else lines.push(`Against ${esc(prev.from)} (its findings are not known: only its patches were given).`, '');
  if (prev.rangeDiff !== undefined) {
    // a fence longer than any run of backticks in the diff
    const fence = '`'.repeat(Math.max(3, ...(prev.rangeDiff.match(/`+/g) ?? []).map((r) => r.length + 1)));
    lines.push(
      '<details><summary>git range-diff</summary>',
      '',
      `${fence}diff`,
      prev.rangeDiff,
      fence,
      '',
      '</details>',
      '',
    );
  } else if (prev.rangeDiffWhy) lines.push(`No range-diff: ${esc(prev.rangeDiffWhy)}.`, '');
  return lines;
}
