// Mail round trip: git format-patch into <out>/mail (with a filled-in cover letter), a git send-email dry run to
// the maintainers, and, when asked, a real send to the submitter's own address only.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { StageResult } from '../results/model.js';
import type { Patch } from '../series/intake.js';
import type { Git } from '../tools/git.js';
import { sendEmail, type SentMail, type SmtpSettings } from '../tools/send-email.js';
import { subjectPrefix } from './prefixes.js';
import type { Recipients } from './maintainers.js';
import { shellQuote } from '../tools/shell-quote.js';

export interface MailSettings {
  smtp?: SmtpSettings;
  /** Really send the series, to the submitter's own address only. */
  sendToSelf: boolean;
}

export interface CoverLetterText {
  subject: string;
  body: string;
}

/** Pure: the subject and the text between the headers and the shortlog of a cover letter (mbox form). */
export function readCoverLetter(mail: string): CoverLetterText & { rawSubject: string } {
  const [head = '', ...rest] = mail.replace(/\r\n/g, '\n').split('\n\n');
  const rawSubject =
    /^Subject: ((?:.*)(?:\n[ \t].*)*)/m
      .exec(head)?.[1]
      ?.replace(/\n[ \t]+/g, ' ')
      .trim() ?? '';
  const lines = rest.join('\n\n').split('\n');
  const end = lines.findIndex((l) => /^\S.* \(\d+\):$/.test(l) || l === '-- ' || /^ \S.*\| +\d+/.test(l));
  return {
    rawSubject,
    subject: rawSubject.replace(/^(\s*\[[^\]]*\]\s*)+/, '').trim(),
    body: lines
      .slice(0, end < 0 ? undefined : end)
      .join('\n')
      .trim(),
  };
}

/** Pure: a cover letter subject: the area the patches share, and their summary when they all say the same. */
export function coverLetterSubject(patches: readonly Patch[]): string {
  const prefixes = patches.map((p) => subjectPrefix(p.subject) ?? '');
  // "dm crypt" and "dm log writes" share "dm"; "md/md-bitmap" and "md/raid5-cache" share "md"
  const words = prefixes.map((p) => p.split(/[\s/]+/));
  let common = 0;
  while (words.every((w) => w[common] !== undefined && w[common] === words[0]![common])) common++;
  const shared = common
    ? prefixes[0]!
        .split(/(?<=[\s/])/)
        .slice(0, common)
        .join('')
        .replace(/[\s/]+$/, '')
    : '';
  const summaries = patches.map((p, i) => (prefixes[i] ? p.subject.slice(prefixes[i]!.length + 1).trim() : p.subject));
  const summary = summaries.every((s) => s === summaries[0])
    ? summaries[0]!
    : `${patches.length} patches: ${summaries[0]}, …`;
  return shared ? `${shared}: ${summary}` : summary;
}

/** Pure: a cover letter body listing the patches and, as the testing statement, this run's stage results. */
export function coverLetterBody(
  patches: readonly Patch[],
  previous: readonly StageResult[],
  tested: { tool: string; tree: string; base: string },
): string {
  const n = patches.length;
  const lines = [`This series has ${n} patches:`, '', ...patches.map((p) => `  ${p.index}/${n} ${p.subject}`), ''];
  lines.push(`Testing: ${tested.tool} on ${tested.tree} at ${tested.base.slice(0, 12)}:`, '');
  for (const s of previous.filter((r) => r.name !== 'readiness')) {
    lines.push(`  ${s.name}: ${s.status} — ${s.summary}`);
  }
  if (previous.length === 0) lines.push('  (no earlier stage ran)');
  return lines.join('\n');
}

/** Pure: git format-patch's template cover letter with our subject and text in place of its placeholders. */
export function fillCoverLetter(template: string, text: CoverLetterText): string {
  return template.replace('*** SUBJECT HERE ***', text.subject).replace('*** BLURB HERE ***', text.body);
}

export interface MailOptions {
  git: Git;
  base: string;
  version: number;
  patches: readonly Patch[];
  recipients: Recipients;
  /** Subject and text of the cover letter, for two or more patches. */
  coverLetter?: CoverLetterText;
  outDir: string;
  settings: MailSettings;
  timeoutMs: number;
}

export interface MailReport {
  dir: string;
  files: string[];
  coverLetterFile?: string;
  dryRun: SentMail[];
  /** The mails really sent to the submitter, when --send-to-self asked for it. */
  sentToSelf?: { to: string; mails: SentMail[] };
  /** The command that sends the series for real. */
  sendCommand: string;
}

export async function mailRoundTrip(options: MailOptions): Promise<MailReport> {
  const { git, patches } = options;
  const dir = path.join(options.outDir, 'mail');
  await mkdir(dir, { recursive: true });
  // a previous run's mails
  for (const old of await readdir(dir)) if (old.endsWith('.patch')) await rm(path.join(dir, old));
  const from = `${patches[0]!.author} <${patches[0]!.authorEmail}>`;
  const args = ['format-patch', `--base=${options.base}`, `-v${options.version}`, `--from=${from}`, '-o', dir];
  if (options.coverLetter) args.push('--cover-letter');
  // the cover letter's From: is the committer's identity; make it the submitter's, as on their own machine
  const ident = { GIT_COMMITTER_NAME: patches[0]!.author, GIT_COMMITTER_EMAIL: patches[0]!.authorEmail };
  const files = (await git.run([...args, `${options.base}..HEAD`], { timeoutMs: options.timeoutMs, env: ident }))
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const coverLetterFile = options.coverLetter ? files.find((f) => /-0000-cover-letter\.patch$/.test(f)) : undefined;
  if (coverLetterFile)
    await writeFile(coverLetterFile, fillCoverLetter(await readFile(coverLetterFile, 'utf8'), options.coverLetter!));
  const { to, cc } = options.recipients;
  const dryRun = await sendEmail(git, { files, from, to, cc, dryRun: true, timeoutMs: options.timeoutMs });
  const report: MailReport = {
    dir,
    files,
    ...(coverLetterFile ? { coverLetterFile } : {}),
    dryRun,
    sendCommand: [
      'git send-email',
      ...to.map((t) => `--to=${shellQuote(t)}`),
      ...cc.map((c) => `--cc=${shellQuote(c)}`),
      ...files.map((f) => shellQuote(path.relative(process.cwd(), f) || f)),
    ].join(' '),
  };
  if (options.settings.sendToSelf && options.settings.smtp) {
    const self = patches[0]!.authorEmail;
    const mails = await sendEmail(git, {
      files,
      from,
      to: [self],
      cc: [],
      dryRun: false,
      suppressCc: true,
      smtp: options.settings.smtp,
      timeoutMs: options.timeoutMs,
    });
    report.sentToSelf = { to: self, mails };
  }
  return report;
}
