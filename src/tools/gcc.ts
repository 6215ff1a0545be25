// gcc, asked only what it is: its version line (a cache key part, doctor's report, whether a cross compiler exists).
import { execTool } from './exec.js';

/** The first line of `<prefix>gcc --version`, or undefined when that compiler is not installed. */
export async function gccVersion(crossPrefix = ''): Promise<string | undefined> {
  const result = await execTool(`${crossPrefix}gcc`, ['--version']).catch(() => undefined);
  return result && result.code === 0 ? result.stdout.split('\n')[0] : undefined;
}

/**
 * Run a compile command kbuild saved (argv[0] is the compiler it used: gcc, a cross gcc, ccache gcc), rewritten to
 * preprocess only; whether it succeeded.
 */
export async function runSavedCompile(argv: readonly string[], cwd: string, timeoutMs: number): Promise<boolean> {
  const result = await execTool(argv[0]!, argv.slice(1), { cwd, timeoutMs });
  return result.code === 0;
}
