// Patch hygiene, per patch: sign-off by the author, the subject prefix the file's maintainers use, the subject's
// length, a description, well-formed Fixes: tags naming real commits, and Reported-by: followed by Closes:/Link:.
import type { Finding } from '../results/model.js';
import type { Patch } from '../series/intake.js';
import type { Git } from '../tools/git.js';
import {
  combinePrefixes,
  expectedPrefixes,
  subjectPrefix,
  type ExpectedPrefixes,
  type PrefixRule,
} from './prefixes.js';

/** checkpatch wraps commit text at 75 columns; a summary longer than that wraps in every shortlog. */
export const MAX_SUBJECT = 75;

const TRAILER = new RegExp(
  '^(Signed-off-by|Co-developed-by|Reviewed-by|Acked-by|Tested-by|Reported-by|Suggested-by|' +
    'Cc|Fixes|Link|Closes|Message-ID|Cc-stable):',
  'i',
);
const FIXES_LINE = /^Fixes:(.*)$/gim;
const FIXES_FORM = /^\s*([0-9a-f]{12,40})\s+\("(.+)"\)\s*$/i;

export interface HygieneFacts {
  /** Prefixes accepted for this patch's files. */
  expected: ExpectedPrefixes;
  /** Subject of each commit a Fixes: tag names, when it exists in the tree (undefined when it does not). */
  commitSubjects: ReadonlyMap<string, string | undefined>;
}

const emailOf = (trailer: string) =>
  /<([^>]+)>/.exec(trailer)?.[1]?.trim().toLowerCase() ?? trailer.trim().toLowerCase();

/** Pure: every hygiene finding of one patch. */
export function checkHygiene(patch: Patch, facts: HygieneFacts): Finding[] {
  const findings: Finding[] = [];
  const add = (severity: Finding['severity'], type: string, message: string) =>
    findings.push({ tool: 'readiness', severity, type, message, patch: patch.index, new: true });

  if (patch.signedOffBy.length === 0)
    add(
      'error',
      'MISSING_SIGN_OFF',
      'no Signed-off-by: line; the author must certify the DCO ' +
        `(add "Signed-off-by: ${patch.author} <${patch.authorEmail}>")`,
    );
  else if (!patch.signedOffBy.some((s) => emailOf(s) === patch.authorEmail.toLowerCase())) {
    add(
      'warning',
      'SIGN_OFF_MISMATCH',
      `no Signed-off-by: matches the author ${patch.author} <${patch.authorEmail}> ` +
        `(signed off: ${patch.signedOffBy.join('; ')})`,
    );
  }

  const prefix = subjectPrefix(patch.subject);
  const { prefixes, source } = facts.expected;
  const from = source === 'history' ? "the files' git log" : 'the dm/md prefix table';
  if (!prefix && prefixes.length > 0)
    add('warning', 'MISSING_SUBJECT_PREFIX', `subject has no subsystem prefix; ${from} says "${prefixes[0]}: …"`);
  else if (prefix && prefixes.length > 0 && !prefixes.includes(prefix)) {
    add(
      'warning',
      'WRONG_SUBJECT_PREFIX',
      `subject prefix "${prefix}:" is not what the maintainers of these files use; ` +
        `${from} says ${prefixes.map((p) => `"${p}:"`).join(' or ')}`,
    );
  }
  if (patch.subject.length > MAX_SUBJECT)
    add(
      'warning',
      'LONG_SUBJECT',
      `subject is ${patch.subject.length} characters after the [PATCH] tag; keep it to ${MAX_SUBJECT}`,
    );

  const lines = patch.body.split('\n');
  if (!lines.some((l) => l.trim() !== '' && !TRAILER.test(l.trim())))
    add('warning', 'MISSING_COMMIT_DESCRIPTION', 'no commit description: say what the patch changes and why');

  for (const m of patch.body.matchAll(FIXES_LINE)) {
    const form = FIXES_FORM.exec(m[1]!);
    if (!form) {
      add(
        'warning',
        'BAD_FIXES_TAG',
        `"Fixes:${m[1]}" is not of the form Fixes: <12+ hex digits> ("<subject of that commit>")`,
      );
      continue;
    }
    const [, sha, quoted] = form;
    const actual = facts.commitSubjects.get(sha!.toLowerCase());
    if (actual !== undefined && actual !== quoted)
      add(
        'warning',
        'FIXES_SUBJECT_MISMATCH',
        `Fixes: ${sha} quotes "${quoted}", but that commit's subject is "${actual}"`,
      );
  }

  for (const [i, line] of lines.entries()) {
    if (!/^Reported-by:/i.test(line.trim())) continue;
    const next =
      lines
        .slice(i + 1)
        .find((l) => l.trim() !== '')
        ?.trim() ?? '';
    if (!/^(Closes|Link):\s*\S/i.test(next))
      add(
        'warning',
        'MISSING_CLOSES_TAG',
        `"${line.trim()}" should be followed by a Closes: (or Link:) line with the URL of the report`,
      );
  }
  return findings;
}

/** The facts checkHygiene needs, from the tree: prefix conventions of the files, and the commits Fixes: names. */
export async function hygieneFacts(
  patch: Patch,
  git: Git,
  base: string,
  table: readonly PrefixRule[],
): Promise<HygieneFacts> {
  const perFile: ExpectedPrefixes[] = [];
  for (const f of patch.files) perFile.push(await expectedPrefixes(git, base, f.oldPath ?? f.path, table));
  const commitSubjects = new Map<string, string | undefined>();
  for (const m of patch.body.matchAll(FIXES_LINE)) {
    const sha = FIXES_FORM.exec(m[1]!)?.[1]?.toLowerCase();
    if (!sha || commitSubjects.has(sha)) continue;
    const log = await git.exec(['log', '-1', '--format=%s', `${sha}^{commit}`, '--']);
    commitSubjects.set(sha, log.code === 0 ? log.stdout.trim() : undefined);
  }
  return { expected: combinePrefixes(perFile), commitSubjects };
}
