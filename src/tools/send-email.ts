// git send-email, through the one git adapter: a dry run with the maintainers as recipients, or a real send.
import type { Git } from './git.js';
import { RunError } from '../errors.js';

export interface SmtpSettings {
  host: string;
  port: number;
  user?: string;
  /** From KPCI_SMTP_PASSWORD; handed to git through the environment, never on a command line. */
  password?: string;
  encryption: 'none' | 'tls' | 'ssl';
}

export interface SendEmailOptions {
  files: string[];
  from: string;
  to: string[];
  cc: string[];
  /** Send nothing: git prints what it would send. */
  dryRun: boolean;
  /** Only the given To: no Cc collected from the patches' trailers (a mail to oneself stays with oneself). */
  suppressCc?: boolean;
  smtp?: SmtpSettings;
  timeoutMs: number;
}

export interface SentMail {
  subject: string;
  recipients: string[];
}

/** Pure: what git send-email reports per mail ("Dry-OK"/"OK" with the headers it logged). */
export function parseSendEmailLog(output: string): SentMail[] {
  const mails: SentMail[] = [];
  let current: SentMail | undefined;
  for (const line of output.split('\n')) {
    if (/^(Dry-)?(OK|Sent)\b.*Log says:$/i.test(line.trim()) || /^(Dry-)?OK\. Log says:$/.test(line.trim())) {
      current = { subject: '', recipients: [] };
      mails.push(current);
    } else if (current && /^RCPT TO:<(.+)>$/.exec(line.trim()))
      current.recipients.push(/^RCPT TO:<(.+)>$/.exec(line.trim())![1]!);
    else if (current && line.startsWith('Subject: ')) current.subject = line.slice('Subject: '.length).trim();
    else if (line.trim() === '') current = undefined;
  }
  return mails;
}

export async function sendEmail(git: Git, options: SendEmailOptions): Promise<SentMail[]> {
  // --no-to/--no-cc/--no-bcc first: nothing from any configuration adds recipients behind our back
  const args = [
    'send-email',
    '--confirm=never',
    '--no-to',
    '--no-cc',
    '--no-bcc',
    '--no-format-patch',
    `--from=${options.from}`,
  ];
  if (options.dryRun) args.push('--dry-run');
  if (options.suppressCc) args.push('--suppress-cc=all');
  for (const t of options.to) args.push(`--to=${t}`);
  for (const c of options.cc) args.push(`--cc=${c}`);
  const env: NodeJS.ProcessEnv = {};
  const smtp = options.smtp;
  if (smtp) {
    args.push(`--smtp-server=${smtp.host}`, `--smtp-server-port=${smtp.port}`, '--smtp-domain=localhost');
    if (smtp.encryption !== 'none') args.push(`--smtp-encryption=${smtp.encryption}`);
    if (smtp.user) args.push(`--smtp-user=${smtp.user}`);
    if (smtp.password !== undefined)
      Object.assign(env, {
        GIT_CONFIG_COUNT: '1',
        GIT_CONFIG_KEY_0: 'sendemail.smtpPass',
        GIT_CONFIG_VALUE_0: smtp.password,
      });
  }
  args.push(...options.files); // absolute paths; no "--", after which send-email takes them for revisions
  const result = await git.exec(args, { timeoutMs: options.timeoutMs, env });
  if (result.code !== 0 || result.timedOut) {
    const lines = `${result.stderr}\n${result.stdout}`
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    const why = result.timedOut
      ? 'timed out'
      : (lines.find((l) => /^(fatal|error|Unable|Failed|Refusing)/i.test(l)) ?? lines.at(-1) ?? `exit ${result.code}`);
    throw new RunError(`git send-email${options.dryRun ? ' --dry-run' : ''} failed: ${why}`, 'tool');
  }
  return parseSendEmailLog(result.stdout);
}
