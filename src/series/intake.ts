// Read --series (patch files, a directory, an mbox, or BASE..HEAD of a local tree) into parsed patches.
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Git } from '../tools/git.js';
import { inputError } from '../errors.js';
import type { SeriesEntry } from '../results/model.js';
import { parseDiff, type FileChange } from './diff.js';
import type { TreeSource } from '../tree/source.js';

export interface Patch {
  /** 1-based position in the series, as in "[PATCH n/N]". */
  index: number;
  /** One message in mbox form, in our work dir: what git am and checkpatch are given. */
  file: string;
  subject: string;
  rawSubject: string;
  author: string;
  authorEmail: string;
  signedOffBy: string[];
  body: string;
  files: FileChange[];
}

export interface Series {
  patches: Patch[];
  coverLetter?: { subject: string; file: string };
}

const PATCH_EXTENSIONS = /\.(patch|diff|mbox|mbx|eml)$/;
/** --series BASE..HEAD: a commit range of the local tree, not a path. */
export const SERIES_RANGE = /^([^\s.][^\s]*?)\.\.([^\s.][^\s]*)$/;
const MBOX_FROM_LINE = 'From kernel-patch-ci Thu Jan  1 00:00:00 1970\n';

export function toSeriesEntries(series: Series): SeriesEntry[] {
  return series.patches.map((p) => ({
    index: p.index,
    subject: p.subject,
    author: `${p.author} <${p.authorEmail}>`,
    files: p.files.map((f) => f.path),
  }));
}

/** Why a file that git mailsplit rejected is not a patch, in words a user can act on. */
function explainNonMail(name: string, text: string): string {
  if (text.trim() === '') return `${name} is empty`;
  if (text.includes('\0') || /\uFFFD/.test(text)) return `${name} is not a patch (binary data)`;
  if (/^diff --git |^--- \S+[\s\S]*^\+\+\+ \S+/m.test(text)) {
    return `${name} is a bare diff without mail headers: create the series with git format-patch`;
  }
  return `${name} is not a patch (no mail headers and no diff)`;
}

/** Ensure a message starts with an mbox "From " line; files saved from a mail client often lack it. */
function asMbox(text: string): string | undefined {
  if (text.startsWith('From ')) return text;
  if (/^[A-Za-z][A-Za-z0-9-]*: /.test(text) && /^Subject: /m.test(text)) return MBOX_FROM_LINE + text;
  return undefined;
}

async function listInputFiles(spec: string): Promise<string[]> {
  const info = await stat(spec).catch(() => undefined);
  if (!info) throw inputError(`series ${spec} does not exist`);
  if (info.isFile()) return [spec];
  if (!info.isDirectory()) throw inputError(`series ${spec} is neither a file nor a directory`);
  const names = (await readdir(spec)).filter((n) => PATCH_EXTENSIONS.test(n) && !n.startsWith('.')).sort();
  if (names.length === 0) throw inputError(`series directory ${spec} contains no .patch, .diff or .mbox files`);
  return names.map((n) => path.join(spec, n));
}

/** Split every input into single messages with git mailsplit; returns their files in order. */
async function splitMessages(inputs: string[], splitDir: string): Promise<string[]> {
  const git = new Git({});
  const messages: string[] = [];
  for (const [i, input] of inputs.entries()) {
    const raw = await readFile(input);
    const text = raw.toString('utf8');
    const mbox = asMbox(text);
    if (mbox === undefined) throw inputError(explainNonMail(input, text));
    const outDir = path.join(splitDir, String(i + 1).padStart(4, '0'));
    await mkdir(outDir, { recursive: true });
    const normalized = path.join(outDir, 'input.mbox');
    await writeFile(normalized, mbox);
    const result = await git.exec(['mailsplit', '-o' + outDir, normalized]);
    const count = Number(result.stdout.trim());
    if (result.code !== 0 || !(count > 0)) throw inputError(explainNonMail(input, text));
    for (let n = 1; n <= count; n++) messages.push(path.join(outDir, String(n).padStart(4, '0')));
  }
  return messages;
}

interface MailInfo {
  author: string;
  email: string;
  subject: string;
  rawSubject: string;
  body: string;
  diff: string;
}

async function mailInfo(file: string): Promise<MailInfo> {
  const git = new Git({});
  const mail = await readFile(file, 'utf8');
  const msgFile = `${file}.msg`;
  const diffFile = `${file}.diff`;
  const header = await git.run(['mailinfo', '-k', msgFile, diffFile], { input: mail });
  const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(header)?.[1]?.trim() ?? '';
  const rawSubject = field('Subject');
  return {
    author: field('Author'),
    email: field('Email'),
    rawSubject,
    subject: rawSubject.replace(/^(\s*\[[^\]]*\]\s*)+/, '').trim(),
    body: await readFile(msgFile, 'utf8'),
    diff: await readFile(diffFile, 'utf8'),
  };
}

const isCoverLetter = (subject: string) => /^\s*\[[^\]]*\b0+\/\d+\]/.test(subject);

async function messagesToSeries(messages: string[]): Promise<Series> {
  const series: Series = { patches: [] };
  for (const [i, file] of messages.entries()) {
    const info = await mailInfo(file);
    const files = parseDiff(info.diff);
    if (files.length === 0) {
      if (isCoverLetter(info.rawSubject) && !series.coverLetter) {
        series.coverLetter = { subject: info.subject, file };
        continue;
      }
      throw inputError(`message ${i + 1} (${info.rawSubject || 'no subject'}) contains no diff: not a patch`);
    }
    const index = series.patches.length + 1;
    const binary = files.find((f) => f.binary);
    if (binary) {
      throw inputError(
        `patch ${index} (${info.subject}) has a binary diff for ${binary.path}: ` +
          'kernel patches must be text that can be mailed',
      );
    }
    if (!info.email) throw inputError(`patch ${index} (${info.subject || 'no subject'}) has no author (From:) line`);
    series.patches.push({
      index,
      file,
      subject: info.subject,
      rawSubject: info.rawSubject,
      author: info.author,
      authorEmail: info.email,
      signedOffBy: [...info.body.matchAll(/^Signed-off-by:\s*(.+)$/gim)].map((m) => m[1]!.trim()),
      body: info.body,
      files,
    });
  }
  if (series.patches.length === 0) throw inputError('the series contains no patches (only a cover letter)');
  return series;
}

/** The commits BASE..HEAD of a local git tree, exported with git format-patch (read-only for that tree). */
async function exportRange(
  treeDir: string,
  base: string,
  head: string,
  splitDir: string,
): Promise<{ mbox: string; base: string }> {
  const git = new Git({ cwd: treeDir });
  const baseSha = await git.revParse(base);
  const headSha = await git.revParse(head);
  if (!baseSha) throw inputError(`${base} is not a commit in ${treeDir}`);
  if (!headSha) throw inputError(`${head} is not a commit in ${treeDir}`);
  const mbox = await git.run(['format-patch', '--stdout', '--no-signature', `${baseSha}..${headSha}`], {
    timeoutMs: 10 * 60_000,
  });
  if (mbox.trim() === '') throw inputError(`${base}..${head} contains no commits`);
  const file = path.join(splitDir, 'range.mbox');
  await writeFile(file, mbox);
  return { mbox: file, base: baseSha };
}

export interface IntakeResult {
  series: Series;
  /** For BASE..HEAD: the base commit the series is meant for. */
  rangeBase?: string;
}

export async function readSeries(specs: readonly string[], tree: TreeSource, workDir: string): Promise<IntakeResult> {
  const splitDir = path.join(workDir, 'series');
  await rm(splitDir, { recursive: true, force: true });
  await mkdir(splitDir, { recursive: true });
  const range = specs.length === 1 ? SERIES_RANGE.exec(specs[0]!) : null;
  if (range && !(await stat(specs[0]!).catch(() => undefined))) {
    if (tree.kind !== 'git-dir')
      throw inputError(`series ${specs[0]} is a commit range, which needs --tree to be a local git checkout`);
    const exported = await exportRange(tree.dir, range[1]!, range[2]!, splitDir);
    return { series: await messagesToSeries(await splitMessages([exported.mbox], splitDir)), rangeBase: exported.base };
  }
  const inputs: string[] = [];
  for (const spec of specs) inputs.push(...(await listInputFiles(path.resolve(spec))));
  return { series: await messagesToSeries(await splitMessages(inputs, splitDir)) };
}
