// The PR comment's body: a hidden marker (how a sticky comment is found again), then the Markdown report, cut to fit
// GitHub's comment limit without leaving a code fence or <details> open.
import type { Results } from '../../results/model.js';
import { renderMarkdown } from '../markdown.js';
import { versionRecord, type VersionRecord } from '../../versions/compare.js';

export const COMMENT_MARKER = '<!-- kernel-patch-ci -->';
/**
 * GitHub rejects a comment body over 65,536 characters. GitHub counts Unicode code points; a JS string's length
 * counts UTF-16 code units, which is never fewer, so measuring with `.length` errs on the safe side.
 */
export const GITHUB_COMMENT_LIMIT = 65536;

/** The marker, optionally with a key (e.g. the workflow name) so several workflows keep one sticky comment each. */
export function commentMarker(key?: string): string {
  const k = key?.trim().replace(/[^A-Za-z0-9._/-]+/g, '-');
  return k ? `<!-- kernel-patch-ci:${k} -->` : COMMENT_MARKER;
}

export function truncationNotice(limit: number, summaryUrl?: string): string {
  const where = summaryUrl ? `[job summary](${summaryUrl})` : 'job summary of the run';
  return (
    `---\n✂️ **Report truncated** to fit GitHub's ${limit.toLocaleString('en-US')}-character comment limit: ` +
    `the full report is in the ${where}.`
  );
}

interface Open {
  fence?: { indent: string; marker: string };
  details: number;
}

/** What is open after `line` (code fence, <details> depth), given what was open before it. */
function advance(state: Open, line: string): Open {
  if (state.fence) {
    const close = new RegExp(`^\\s*${state.fence.marker[0] === '`' ? '`' : '~'}{${state.fence.marker.length},}\\s*$`);
    return close.test(line) ? { details: state.details } : state;
  }
  const open = /^(\s*)(`{3,}|~{3,})/.exec(line);
  if (open) return { fence: { indent: open[1]!, marker: open[2]! }, details: state.details };
  const opened = line.match(/<details[\s>]/gi)?.length ?? 0;
  const closed = line.match(/<\/details>/gi)?.length ?? 0;
  return { details: Math.max(0, state.details + opened - closed) };
}

function closers(state: Open): string[] {
  return [
    ...(state.fence ? [`${state.fence.indent}${state.fence.marker}`] : []),
    ...Array<string>(state.details).fill('</details>'),
  ];
}

/**
 * `text` if it fits in `limit` characters; otherwise its longest prefix of whole lines that still fits once the open
 * code fence and <details> are closed and `notice` is appended.
 */
export function truncateMarkdown(text: string, limit: number, notice: string): string {
  if (text.length <= limit) return text;
  const lines = text.split('\n');
  const kept: string[] = [];
  let size = 0; // length of kept.join('\n')
  let state: Open = { details: 0 };
  for (const line of lines) {
    const next = advance(state, line);
    const tail = [...closers(next), '', notice].join('\n').length + 1;
    const grown = size + (kept.length ? 1 : 0) + line.length;
    if (grown + tail > limit) break;
    kept.push(line);
    size = grown;
    state = next;
  }
  const out = [...kept, ...closers(state), '', notice].join('\n');
  return out.length <= limit ? out : out.slice(0, limit); // only when limit is smaller than the notice itself
}

/** The comment's hidden data: this version's findings, so the next push's run can say what it fixed. */
const DATA_OPEN = '<!-- kernel-patch-ci-data ';
/** Room the data may take of the comment's 65,536 characters; a series with more findings keeps its first ones. */
const DATA_MAX_CHARS = 8000;

export function versionData(results: Pick<Results, 'stages'>): string {
  const record = versionRecord(results);
  const encode = (n: number) =>
    Buffer.from(JSON.stringify({ ...record, findings: record.findings.slice(0, n) })).toString('base64');
  let n = record.findings.length;
  while (n > 0 && encode(n).length > DATA_MAX_CHARS) n = Math.floor(n * 0.8);
  return `${DATA_OPEN}${encode(n)} -->`;
}

/** The version data of an earlier comment; undefined when it has none or it does not read. */
export function readVersionData(body: string | undefined): VersionRecord | undefined {
  const m = body?.match(/<!-- kernel-patch-ci-data ([A-Za-z0-9+/=]+) -->/);
  if (!m) return undefined;
  try {
    const data = JSON.parse(Buffer.from(m[1]!, 'base64').toString('utf8')) as VersionRecord;
    return Array.isArray(data.stages) && Array.isArray(data.findings) ? data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Markdown body for the comment: marker + renderMarkdown(results), cut at the limit with a pointer to the job summary.
 */
export function commentBody(
  results: Results,
  opts: { marker?: string; summaryUrl?: string; limit?: number } = {},
): string {
  const limit = opts.limit ?? GITHUB_COMMENT_LIMIT;
  // the run's page has the job summary, the annotations and every stage's log: worth one click from the PR
  const link = opts.summaryUrl ? `\n[Job summary, annotations and logs of this run](${opts.summaryUrl})\n` : '';
  // the data right under the marker: a truncated report still carries it
  const full = `${opts.marker ?? COMMENT_MARKER}\n${versionData(results)}\n${renderMarkdown(results)}${link}`;
  return truncateMarkdown(full, limit, truncationNotice(limit, opts.summaryUrl));
}
