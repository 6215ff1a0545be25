// report.md: verdict first, then one short table per stage, then findings with file:line. Reads only the results model.
import type { Finding, Results, StageResult } from '../results/model.js';
import { previousSection } from './previous.js';

const ICON: Record<string, string> = { pass: '✅', warn: '⚠️', fail: '❌', skip: '⏭️', error: '💥' };

const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function findingLocation(f: Finding): string {
  if (!f.file) return f.patch ? `patch ${f.patch}` : '';
  return `${f.file}${f.line ? `:${f.line}` : ''}`;
}

function findingLine(f: Finding): string {
  const where = findingLocation(f);
  const tags = [f.patch && f.file ? `patch ${f.patch}` : '', f.config ?? ''].filter(Boolean).join(', ');
  // a kernel splat or a scenario's log tail follows its first line: keep it readable as a block
  const [first, ...rest] = f.message.split('\n');
  const block = rest.length ? `\n\n  \`\`\`\n${rest.map((l) => `  ${l.replace(/`/g, "'")}`).join('\n')}\n  \`\`\`` : '';
  return (
    `- **${f.severity}**${f.type ? ` \`${f.type}\`` : ''}${where ? ` ${where}` : ''}${tags ? ` (${tags})` : ''}: ` +
    `${esc(first ?? '')}${block}`
  );
}

function stageSection(stage: StageResult): string {
  const lines = [`### ${ICON[stage.status] ?? ''} ${stage.name} — ${stage.status}`, '', esc(stage.summary), ''];
  if (stage.cells?.length) {
    lines.push('| config | status | time | summary |', '|---|---|---|---|');
    for (const c of stage.cells)
      lines.push(`| ${c.config} | ${c.status} | ${secs(c.durationMs)} | ${esc(c.summary)} |`);
    lines.push('');
  }
  for (const c of stage.cells ?? []) {
    if (!c.reproduce?.length) continue;
    // a fence longer than any run of backticks inside, so a command line cannot close it
    const fence = '`'.repeat(
      Math.max(3, ...c.reproduce.map((l) => (l.match(/`+/g) ?? []).reduce((n, r) => Math.max(n, r.length + 1), 0))),
    );
    lines.push(
      `<details><summary>Reproduce ${c.config} locally</summary>`,
      '',
      `${fence}sh`,
      ...c.reproduce,
      fence,
      '',
      '</details>',
      '',
    );
  }
  const shown = stage.findings.filter((f) => f.new !== false);
  const preexisting = stage.findings.length - shown.length;
  if (shown.length > 0) lines.push(...shown.map(findingLine), '');
  if (preexisting > 0) {
    lines.push(
      `<details><summary>${preexisting} finding${preexisting === 1 ? '' : 's'} ` +
        'the base tree already had (not blamed on the series)</summary>',
      '',
    );
    lines.push(...stage.findings.filter((f) => f.new === false).map(findingLine), '', '</details>', '');
  }
  return lines.join('\n');
}

export function renderMarkdown(results: Results): string {
  const head =
    `## kernel-patch-ci: ${ICON[results.verdict === 'pass' ? 'pass' : results.verdict]} ` +
    `${results.verdict.toUpperCase()}`;
  const lines = [head, ''];
  if (results.reason) lines.push(`**${esc(results.reason)}**`, '');
  if (results.previous) lines.push(...previousSection(results.previous));
  const tree = results.tree;
  lines.push(
    `Tree: \`${tree.source}\`${tree.ref ? ` (${tree.ref})` : ''}` +
      `${tree.baseCommit ? ` at \`${tree.baseCommit.slice(0, 12)}\`` : ''}` +
      `${tree.baseFrom ? ` (${tree.baseFrom})` : ''}`,
    '',
  );
  if (results.series.length > 0) {
    lines.push('| # | patch | author | files |', '|---|---|---|---|');
    for (const p of results.series)
      lines.push(`| ${p.index} | ${esc(p.subject)} | ${esc(p.author)} | ${p.files.length} |`);
    lines.push('');
  }
  if (results.stages.length > 0) {
    lines.push('| stage | status | time | summary |', '|---|---|---|---|');
    for (const s of results.stages)
      lines.push(`| ${s.name} | ${ICON[s.status] ?? ''} ${s.status} | ${secs(s.durationMs)} | ${esc(s.summary)} |`);
    lines.push('');
    for (const s of results.stages) lines.push(stageSection(s));
  }
  lines.push(`<sub>${results.tool.name} ${results.tool.version}</sub>`, '');
  return lines.join('\n');
}
