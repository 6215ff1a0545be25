// The only place make runs against a kernel tree: always out of tree (O=), never writing into the sources' config.
import { execTool, type ExecResult } from './exec.js';

export interface KbuildOptions {
  srcDir: string;
  buildDir: string;
  arch?: string;
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

export function make(options: KbuildOptions, args: readonly string[]): Promise<ExecResult> {
  const vars = [`O=${options.buildDir}`, ...(options.arch ? [`ARCH=${options.arch}`] : [])];
  return execTool('make', ['-C', options.srcDir, `-j${options.jobs}`, ...vars, ...args], {
    env: { ...process.env, ...REPRODUCIBLE_ENV },
    timeoutMs: options.timeoutMs,
    onLine: options.onLine,
  });
}

/** The first error lines of a failed make, for a one-line summary. */
export function firstError(result: ExecResult): string {
  const text = `${result.stdout}\n${result.stderr}`;
  const line = text.split('\n').find((l) => / error: |^make(\[\d+\])?: \*\*\*|Error \d+/.test(l));
  return (line ?? text.trim().split('\n').at(-1) ?? 'make failed').trim();
}
