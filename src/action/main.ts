// The Action's entry: composite steps pass inputs as KPCI_* env vars (composite steps get no INPUT_*), run the
// same pipeline as the CLI, and publish the verdict. Comments, annotations and caching live in later steps.
import * as core from '@actions/core';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { oneLine } from '../errors.js';
import { main as cli } from '../cli/main.js';

/** Inputs → CLI arguments: one validation path for both front ends. */
export function argvFromEnv(env: NodeJS.ProcessEnv): string[] {
  const argv = ['run'];
  const pass = (flag: string, name: string) => {
    const value = env[name]?.trim();
    if (value) argv.push(flag, value);
  };
  pass('--tree', 'KPCI_TREE');
  pass('--ref', 'KPCI_REF');
  for (const s of (env.KPCI_SERIES ?? '').split('\n').map((l) => l.trim()).filter(Boolean)) argv.push('--series', s);
  pass('--stages', 'KPCI_STAGES');
  pass('--fail-on', 'KPCI_FAIL_ON');
  argv.push('--out', env.KPCI_OUT?.trim() || path.join(env.RUNNER_TEMP ?? '.', 'kernel-patch-ci'));
  return argv;
}

export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    const argv = argvFromEnv(env);
    const outDir = argv[argv.indexOf('--out') + 1]!;
    const code = await cli(argv, { out: (l) => core.info(l), err: (l) => core.info(l), env });
    const results = path.join(outDir, 'results.json');
    core.setOutput('results', results);
    const parsed = JSON.parse(await readFile(results, 'utf8').catch(() => '{}')) as { verdict?: string; reason?: string };
    core.setOutput('verdict', parsed.verdict ?? 'error');
    await core.summary.addRaw(await readFile(path.join(outDir, 'report.md'), 'utf8').catch(() => '')).write();
    if (code !== 0) core.setFailed(parsed.reason ?? `kernel-patch-ci exited with ${code}`);
  } catch (error) {
    core.setFailed(oneLine(error));
  }
}
