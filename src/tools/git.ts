// The only place git runs. Isolated from the user's git config so results do not depend on it.
import { execTool, type ExecOptions, type ExecResult } from './exec.js';
import { RunError } from '../errors.js';

export const BOT_IDENTITY = { name: 'kernel-patch-ci', email: 'kernel-patch-ci@localhost' };

export class GitError extends RunError {
  constructor(
    readonly args: readonly string[],
    readonly result: ExecResult,
  ) {
    super(`git ${args[0] ?? ''} failed: ${lastMeaningfulLine(result.stderr || result.stdout)}`, 'tool');
  }
}

function lastMeaningfulLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('hint:'));
  const fatal = lines.find((l) => l.startsWith('fatal:') || l.startsWith('error:'));
  return (fatal ?? lines.at(-1) ?? 'no output').replace(/^(fatal|error): /, '');
}

export interface GitLocation {
  /** Directory git runs in (a work tree), or undefined for a bare repository given by gitDir. */
  cwd?: string;
  gitDir?: string;
}

export class Git {
  constructor(readonly where: GitLocation) {}

  private env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    return {
      ...process.env,
      LC_ALL: 'C',
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: process.env.GIT_AUTHOR_NAME ?? BOT_IDENTITY.name,
      GIT_AUTHOR_EMAIL: process.env.GIT_AUTHOR_EMAIL ?? BOT_IDENTITY.email,
      GIT_COMMITTER_NAME: BOT_IDENTITY.name,
      GIT_COMMITTER_EMAIL: BOT_IDENTITY.email,
      ...(this.where.gitDir ? { GIT_DIR: this.where.gitDir } : {}),
      ...extra,
    };
  }

  /** Run git; the result whatever the exit code. */
  exec(
    args: readonly string[],
    options: Omit<ExecOptions, 'cwd'> & { env?: NodeJS.ProcessEnv } = {},
  ): Promise<ExecResult> {
    // No background gc: a detached `gc --auto` would outlive the run (and pack a cache another run is reading).
    return execTool('git', ['-c', 'safe.directory=*', '-c', 'gc.auto=0', '-c', 'maintenance.auto=false', ...args], {
      ...options,
      cwd: this.where.cwd,
      env: this.env(options.env),
    });
  }

  /** Run git; stdout on success, GitError otherwise. */
  async run(args: readonly string[], options: Omit<ExecOptions, 'cwd'> = {}): Promise<string> {
    const result = await this.exec(args, options);
    if (result.code !== 0) throw new GitError(args, result);
    return result.stdout;
  }

  async revParse(rev: string): Promise<string | undefined> {
    const result = await this.exec(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
    return result.code === 0 ? result.stdout.trim() : undefined;
  }
}

/** Refs are passed as arguments, never through a shell; still, reject what git itself would not call a ref. */
export async function isValidRefName(ref: string): Promise<boolean> {
  if (/^[0-9a-f]{7,40}$/i.test(ref)) return true;
  if (ref.startsWith('-')) return false;
  const result = await execTool('git', ['check-ref-format', '--allow-onelevel', ref]);
  return result.code === 0;
}
