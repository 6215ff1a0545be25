// The kernel-patch-ci command: parse, run the pipeline, print the verdict, exit 0/1/2 as CONTRACT.md says.
import { RunError, oneLine } from '../errors.js';
import { runPipeline } from '../pipeline.js';
import { stderrProgress, type Progress } from '../report/progress.js';
import { exitCodeFor } from '../results/verdict.js';
import { errorResults, writeResults } from '../results/write.js';
import { USAGE, parseRunArgs } from '../settings.js';
import { TOOL_VERSION } from '../version.js';
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

export async function main(argv: readonly string[], io: CliIO = defaultIO): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === 'version') {
    io.out(TOOL_VERSION);
    return 0;
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.out(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'run') {
    io.err(`kernel-patch-ci: unknown command ${JSON.stringify(command)}\n${USAGE}`);
    return 2;
  }
  let settings;
  try {
    settings = parseRunArgs(rest, io.env);
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
