// readiness: is the series ready to mail to the right people? Hygiene, maintainers and tree, shape, kmap_local
// lint, and a format-patch/send-email round trip. Runs last, so the cover letter can quote this run's results.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { RunError, oneLine } from '../errors.js';
import type { Finding } from '../results/model.js';
import { statusFromFindings } from '../results/verdict.js';
import { checkHygiene, hygieneFacts } from '../readiness/hygiene.js';
import { loadPrefixTable } from '../readiness/prefixes.js';
import { describeDestination, findMaintainers, type Recipients } from '../readiness/maintainers.js';
import { checkShape } from '../readiness/shape.js';
import { lintKmapLocal } from '../readiness/kmap-lint.js';
import {
  coverLetterBody,
  coverLetterSubject,
  mailRoundTrip,
  readCoverLetter,
  type MailReport,
} from '../readiness/mail.js';
import { TOOL_VERSION } from '../version.js';
import type { RunContext, Stage, StageInput, StageOutput } from './stage.js';

const problem = (severity: Finding['severity'], type: string, message: string): Finding => ({
  tool: 'readiness',
  severity,
  type,
  message,
  new: true,
});

/**
 * A tool that cannot run (no get_maintainer.pl, no spatch, a failing send-email) is a finding, not the end of the
 * stage.
 */
async function attempt<T>(findings: Finding[], type: string, work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof RunError)) throw error;
    findings.push(problem('error', type, oneLine(error)));
    return undefined;
  }
}

async function checkReadiness(ctx: RunContext, input: StageInput<'apply'>): Promise<StageOutput<void>> {
  const { git, dir } = ctx.tree;
  const { baseCommit, patchedCommit } = input.apply;
  // get_maintainer.pl, MAINTAINERS and the lint read the tree as the series leaves it
  await git.run(['checkout', '--quiet', '--detach', patchedCommit]);
  const { patches } = ctx.series;
  const timeoutMs = ctx.settings.stepTimeoutMs;
  const findings: Finding[] = [];

  const table = await loadPrefixTable();
  const hygiene = [];
  for (const p of patches) hygiene.push(...checkHygiene(p, await hygieneFacts(p, git, baseCommit, table)));
  findings.push(...hygiene);

  ctx.progress.info('readiness: get_maintainer.pl on each patch and on the series');
  const maintainers = await attempt(findings, 'GET_MAINTAINER_FAILED', () =>
    findMaintainers(patches, ctx.tree.upstream, { treeDir: dir, timeoutMs }),
  );
  if (maintainers) findings.push(...maintainers.findings);
  const recipients: Recipients = maintainers?.series ?? { to: [], cc: [] };

  const cover = ctx.series.coverLetter
    ? readCoverLetter(await readFile(ctx.series.coverLetter.file, 'utf8'))
    : undefined;
  const shape = checkShape(ctx.series, cover?.rawSubject);
  findings.push(...shape.findings);

  ctx.progress.info('readiness: kmap_local lint (spatch) on the touched files');
  const lint = await lintKmapLocal(dir, git, baseCommit, patches, timeoutMs);
  findings.push(...lint.findings);
  if (lint.notRun)
    findings.push(problem('warning', 'KMAP_LINT_NOT_RUN', `kmap_local lint did not run: ${lint.notRun}`));

  ctx.progress.info('readiness: git format-patch and git send-email --dry-run');
  const coverLetter =
    patches.length < 2
      ? undefined
      : (cover ?? {
          subject: coverLetterSubject(patches),
          body: coverLetterBody(patches, input.earlier, {
            tool: `kernel-patch-ci ${TOOL_VERSION}`,
            tree: ctx.tree.source,
            base: baseCommit,
          }),
        });
  const mail: MailReport | undefined = await attempt(findings, 'MAIL_FAILED', () =>
    mailRoundTrip({
      git,
      base: baseCommit,
      version: shape.version,
      patches,
      recipients,
      ...(coverLetter ? { coverLetter } : {}),
      outDir: ctx.outDir,
      settings: ctx.settings.mail ?? { sendToSelf: false },
      timeoutMs,
    }),
  );
  if (shape.needsCoverLetter && mail?.coverLetterFile) {
    findings.push(
      problem(
        'info',
        'COVER_LETTER_GENERATED',
        `no cover letter: generated ${mail.coverLetterFile} with the patch list and this run's results; ` +
          'review its text before sending',
      ),
    );
  }
  if (mail)
    findings.push(
      problem('info', 'SEND_COMMAND', `${mail.files.length} mails in ${mail.dir}; send them with: ${mail.sendCommand}`),
    );
  if (mail?.sentToSelf)
    findings.push(
      problem('info', 'SENT_TO_SELF', `sent ${mail.sentToSelf.mails.length} mails to ${mail.sentToSelf.to} only`),
    );

  const status = statusFromFindings(findings, ctx.settings.failOn);
  const count = (list: Finding[]) => list.filter((f) => f.severity !== 'info').length;
  const summary = [
    `${status === 'fail' ? 'not ready' : 'ready to send'}: ` +
      `${count(hygiene)} hygiene, ${count(shape.findings)} shape, ${lint.findings.length} kmap_local findings`,
    `To: ${recipients.to.join(', ') || '?'}; Cc: ${recipients.cc.join(', ') || '?'}`,
    ...(maintainers?.destination.length ? [`tree: ${describeDestination(maintainers.destination)}`] : []),
    'deprecated kmap/kmap_atomic/kunmap/kunmap_atomic calls in the touched files ' +
      `${lint.deprecated.before} → ${lint.deprecated.after}`,
    mail
      ? `${mail.files.length} mails in ${path.relative(ctx.outDir, mail.dir) || '.'}/ ` +
        `(send-email dry run: ${mail.dryRun.length} OK)${mail.sentToSelf ? `, sent to ${mail.sentToSelf.to}` : ''}`
      : 'no mails made',
  ].join('; ');
  return { result: { name: 'readiness', status, durationMs: 0, summary, findings } };
}

export const readinessStage: Stage<'apply'> = { name: 'readiness', needs: ['apply'], uses: [], run: checkReadiness };
