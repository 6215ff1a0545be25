// The only place child processes are started: argument arrays, a hard timeout that kills the whole process group.
import { spawn } from 'node:child_process';
import { RunError } from '../errors.js';

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the process group after this long; undefined means no limit. */
  timeoutMs?: number;
  input?: string;
  /** Called for every complete line of stdout+stderr, e.g. to show a long step is alive. */
  onLine?: (line: string) => void;
  /** Aborting kills the process group at once (a watchdog that saw enough). */
  signal?: AbortSignal;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Debian package for a command, so "missing tool" says what to install. */
const PACKAGE_OF: Record<string, string> = {
  git: 'git',
  perl: 'perl',
  make: 'make',
  sparse: 'sparse',
  tar: 'tar',
  xz: 'xz-utils',
  gcc: 'gcc',
  'qemu-system-x86_64': 'qemu-system-x86',
  'qemu-system-i386': 'qemu-system-x86',
  cpio: 'cpio',
  'apt-get': 'apt',
  'dpkg-deb': 'dpkg',
  gcov: 'gcc',
  spatch: 'coccinelle',
};

const live = new Set<number>();
let exitHookInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Make sure no child outlives us, even on Ctrl-C. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of live) killGroup(pid, 'SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const pid of live) killGroup(pid, 'SIGKILL');
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

export function execTool(command: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  installExitHook();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true, // own process group, so a timeout kills make's children too
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    // one partial-line buffer per stream, so stdout and stderr never splice into one line
    const pending = { out: '', err: '' };
    const feed = (stream: 'out' | 'err') => (chunk: Buffer) => {
      if (!options.onLine) return;
      const lines = (pending[stream] + chunk.toString('utf8')).split('\n');
      pending[stream] = lines.pop() ?? '';
      for (const line of lines) options.onLine(line);
    };
    const onOut = feed('out');
    const onErr = feed('err');
    child.stdout.on('data', (c: Buffer) => (out.push(c), onOut(c)));
    child.stderr.on('data', (c: Buffer) => (err.push(c), onErr(c)));
    let timer: NodeJS.Timeout | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    if (child.pid !== undefined) live.add(child.pid);
    if (options.timeoutMs !== undefined && child.pid !== undefined) {
      const pid = child.pid;
      timer = setTimeout(() => {
        timedOut = true;
        killGroup(pid, 'SIGTERM');
        killTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), 5000);
      }, options.timeoutMs);
    }
    const onAbort = () => {
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (child.pid !== undefined) live.delete(child.pid);
      if (error.code === 'ENOENT') {
        const pkg = PACKAGE_OF[command];
        reject(new RunError(`${command} is not installed${pkg ? ` (Debian package: ${pkg})` : ''}`, 'tool'));
      } else reject(new RunError(`cannot run ${command}: ${error.message}`, 'tool'));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (child.pid !== undefined) {
        // a group member may still hold the pipes' other ends; make sure none survives
        if (timedOut) killGroup(child.pid, 'SIGKILL');
        live.delete(child.pid);
      }
      if (killTimer) clearTimeout(killTimer);
      if (options.onLine) for (const rest of [pending.out, pending.err]) if (rest) options.onLine(rest);
      resolve({
        code: code ?? (signal ? 128 + 1 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
      });
    });
    child.stdin.on('error', () => undefined); // a tool that exits without reading its input
    child.stdin.end(options.input ?? '');
  });
}
