// The only place make runs against a kernel tree: always out of tree (O=), never writing into the sources' config.
import { execTool, type ExecResult } from './exec.js';
import { commandLine, shellQuote } from './shell-quote.js';

export interface KbuildOptions {
  srcDir: string;
  buildDir: string;
  arch?: string;
  /** CROSS_COMPILE prefix for a non-native arch. */
  crossCompile?: string;
  /** Compile through ccache with this environment (see tools/ccache.ts). */
  ccache?: NodeJS.ProcessEnv;
  jobs: number;
  timeoutMs: number;
  onLine?: (line: string) => void;
}

/** Fixed so that object files, and so ccache hits, do not depend on who built them and when. */
export const REPRODUCIBLE_ENV = {
  KBUILD_BUILD_TIMESTAMP: '1970-01-01',
  KBUILD_BUILD_USER: 'kernel-patch-ci',
  KBUILD_BUILD_HOST: 'kernel-patch-ci',
  LC_ALL: 'C',
};

/** make's arguments and the environment it adds, for running and for the reproduce block alike. */
export function makeInvocation(
  options: KbuildOptions,
  args: readonly string[],
  extraEnv: NodeJS.ProcessEnv = {},
): { argv: string[]; env: Record<string, string | undefined> } {
  const vars = [`O=${options.buildDir}`, ...(options.arch ? [`ARCH=${options.arch}`] : [])];
  if (options.crossCompile) vars.push(`CROSS_COMPILE=${options.crossCompile}`);
  if (options.ccache) vars.push(`CC=ccache ${options.crossCompile ?? ''}gcc`, 'HOSTCC=ccache gcc');
  return {
    argv: ['make', '-C', options.srcDir, `-j${options.jobs}`, ...vars, ...args],
    env: { ...REPRODUCIBLE_ENV, ...options.ccache, ...extraEnv },
  };
}

export function make(
  options: KbuildOptions,
  args: readonly string[],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<ExecResult> {
  const { argv, env } = makeInvocation(options, args, extraEnv);
  return execTool(argv[0]!, argv.slice(1), {
    env: { ...process.env, ...env },
    timeoutMs: options.timeoutMs,
    onLine: options.onLine,
  });
}

/** Compile warnings stay warnings (kbuild's own -Werror=implicit-function-declaration and friends stay errors). */
export const ANALYSIS_KCFLAGS = 'KCFLAGS=-Wno-error';

/** The first error lines of a failed make, for a one-line summary. */
export function firstError(result: ExecResult): string {
  const text = `${result.stdout}\n${result.stderr}`;
  const line = text.split('\n').find((l) => / error: |^make(\[\d+\])?: \*\*\*|Error \d+/.test(l));
  return (line ?? text.trim().split('\n').at(-1) ?? 'make failed').trim();
}

/**
 * tinyconfig, the fragments merged on top in order with the tree's own merge_config.sh, then olddefconfig: the
 * documented way to build a small config from fragments. Returns the failing step's result, or undefined when all
 * went well.
 */
/** What configureFromFragment runs, as shell lines for a reproduce block. */
export function configureCommands(options: KbuildOptions, fragments: readonly string[]): string[] {
  const quiet = { ...options, ccache: undefined };
  const make = (target: string) => {
    const m = makeInvocation(quiet, [target]);
    return commandLine(m.argv, m.env);
  };
  const merge = commandLine(
    [
      'bash',
      `${options.srcDir}/scripts/kconfig/merge_config.sh`,
      '-m',
      '-O',
      options.buildDir,
      `${options.buildDir}/.config`,
      ...fragments,
    ],
    { ...REPRODUCIBLE_ENV, ...(options.arch ? { ARCH: options.arch } : {}) },
  );
  return [make('tinyconfig'), `(cd ${shellQuote(options.srcDir)} && ${merge})`, make('olddefconfig')];
}

export async function configureFromFragment(
  options: KbuildOptions,
  fragments: readonly string[],
): Promise<ExecResult | undefined> {
  const quiet = { ...options, ccache: undefined };
  const tiny = await make(quiet, ['tinyconfig']);
  if (tiny.code !== 0) return tiny;
  const merge = await execTool(
    'bash',
    [
      `${options.srcDir}/scripts/kconfig/merge_config.sh`,
      '-m',
      '-O',
      options.buildDir,
      `${options.buildDir}/.config`,
      ...fragments,
    ],
    {
      cwd: options.srcDir,
      env: { ...process.env, ...REPRODUCIBLE_ENV, ...(options.arch ? { ARCH: options.arch } : {}) },
      timeoutMs: options.timeoutMs,
    },
  );
  if (merge.code !== 0) return merge;
  const old = await make(quiet, ['olddefconfig']);
  return old.code !== 0 ? old : undefined;
}
