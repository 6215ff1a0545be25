// The kernel-patch-ci command: parse, run the pipeline, print the verdict, exit 0/1/2 as docs/CONTRACT.md says.
import { RunError, oneLine } from '../errors.js';
import { runPipeline } from '../pipeline.js';
import { stderrProgress, type Progress } from '../report/progress.js';
import { exitCodeFor } from '../results/verdict.js';
import { errorResults, writeResults } from '../results/store.js';
import { parseRunArgs } from '../settings.js';
import { TOOL_VERSION } from '../version.js';
import { renderMarkdown } from '../report/markdown.js';
import { terseFindings } from '../report/terse.js';
import { doctorHelp, mainHelp, runHelp } from './options.js';
import { doctor } from './doctor.js';
import { existsSync } from 'node:fs';
import path from 'node:path';

export interface CliIO {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
  progress?: Progress;
}

const defaultIO: CliIO = {
  out: (l) => process.stdout.write(l + '\n'),
  err: (l) => process.stderr.write(l + '\n'),
  env: process.env,
};

/** Where --out points, read without validating anything else, so even a usage error leaves a results.json. */
function outDirOf(argv: readonly string[]): string | undefined {
  const i = argv.findIndex((a) => a === '--out' || a.startsWith('--out='));
  if (i < 0) return undefined;
  const value = argv[i]!.includes('=') ? argv[i]!.slice('--out='.length) : argv[i + 1];
  return value && !value.startsWith('--') ? path.resolve(value) : undefined;
}

/** The kernel checkout `dir` is in (its top: Makefile, Kconfig and .git), if any. */
export function enclosingKernelCheckout(dir: string): string | undefined {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (['Makefile', 'Kconfig', '.git'].every((f) => existsSync(path.join(d, f)))) return d;
    if (path.dirname(d) === d) return undefined;
  }
}

const hasOption = (argv: readonly string[], name: string) =>
  argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`));

export async function main(argv: readonly string[], io: CliIO = defaultIO, cwd = process.cwd()): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === 'version') {
    io.out(TOOL_VERSION);
    return 0;
  }
  if (command === 'help' && rest[0] === 'run') {
    io.out(runHelp());
    return 0;
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? io.err : io.out)(mainHelp());
    return command === undefined ? 2 : 0;
  }
  if (command === 'doctor') {
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(doctorHelp());
      return 0;
    }
    try {
      const { text, code } = await doctor(rest, io.env);
      io.out(text);
      return code;
    } catch (error) {
      io.err(`kernel-patch-ci: ${oneLine(error)}`);
      return 2;
    }
  }
  if (command !== 'run') {
    io.err(`kernel-patch-ci: unknown command ${JSON.stringify(command)} (commands: run, doctor, version, help)`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(runHelp());
    return 0;
  }
  let args = [...rest];
  // in a kernel checkout with no --tree, that checkout is the tree under test, as for git am or checkpatch
  const here = hasOption(args, 'tree') ? undefined : enclosingKernelCheckout(cwd);
  if (here) {
    io.err(`kernel-patch-ci: no --tree given: using the kernel checkout ${here} (it is not modified)`);
    args = ['--tree', here, ...args];
  }
  let settings;
  try {
    settings = parseRunArgs(args, io.env);
  } catch (error) {
    io.err(`kernel-patch-ci: ${oneLine(error)}`);
    const outDir = outDirOf(rest);
    if (outDir) {
      await writeResults(outDir, errorResults(oneLine(error))).catch(() => undefined);
    }
    return 2;
  }
  try {
    const results = await runPipeline(settings, io.progress ?? stderrProgress(io.err));
    const code = exitCodeFor(results);
    if (code === 2) io.err(`kernel-patch-ci: ${results.reason ?? 'the run could not be done'}`);
    if (settings.format === 'json') {
      io.out(JSON.stringify(results, null, 2));
      return code;
    }
    if (settings.format === 'md') {
      io.out(renderMarkdown(results));
      return code;
    }
    for (const line of terseFindings(results, { all: settings.allFindings })) io.out(line);
    io.out(`verdict: ${results.verdict}${results.reason && code !== 2 ? ` — ${results.reason}` : ''}`);
    io.out(`report: ${path.join(settings.outDir, 'report.md')}`);
    io.out(`results: ${path.join(settings.outDir, 'results.json')}`);
    return code;
  } catch (error) {
    // Only the out dir being unwritable gets here: the pipeline itself catches everything else.
    io.err(`kernel-patch-ci: ${error instanceof RunError ? error.message : oneLine(error)}`);
    return 2;
  }
}
