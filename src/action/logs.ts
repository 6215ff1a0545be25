// What a red stage step shows in its own log: the stage's line, and for each failing cell the tail of the log that
// says why (the build log, the guest consoles), each in a collapsed group, so nobody has to download an artifact.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Results, StageName, StageResult } from '../results/model.js';

export const TAIL_LINES = 80;

/** A stage that turns its step red: it failed, or could not be done. */
export function stageBroke(stage: StageResult | undefined): boolean {
  return stage?.status === 'fail' || stage?.status === 'error';
}

/** The logs of one cell that explain a failure of this stage, oldest first. */
export async function cellLogs(outDir: string, stage: StageName, cell: string): Promise<string[]> {
  const dir = path.join(outDir, 'artifacts', cell);
  if (!existsSync(dir)) return [];
  const names = (await readdir(dir)).sort();
  const wanted =
    stage === 'build'
      ? names.filter((n) => n === 'build.log')
      : stage === 'boot'
        ? names.filter((n) => /^console-.*\.log$/.test(n))
        : [];
  return wanted.map((n) => path.join(dir, n));
}

export function lastLines(text: string, n = TAIL_LINES): string {
  const lines = text.replace(/\n$/, '').split('\n');
  return lines.slice(-n).join('\n');
}

export interface LogGroup {
  title: string;
  body: string;
}

/** The groups a broken stage prints: one per failing cell's log. Empty for a stage that passed. */
export async function failureGroups(results: Results, name: StageName, outDir: string): Promise<LogGroup[]> {
  const stage = results.stages.find((s) => s.name === name);
  if (!stageBroke(stage)) return [];
  const groups: LogGroup[] = [];
  for (const cell of stage!.cells ?? []) {
    if (cell.status !== 'fail' && cell.status !== 'error') continue;
    for (const file of await cellLogs(outDir, name, cell.config)) {
      const text = await readFile(file, 'utf8').catch(() => '');
      if (!text) continue;
      groups.push({
        title: `${name} ${cell.config}: last ${TAIL_LINES} lines of ${path.relative(outDir, file)}`,
        body: lastLines(text),
      });
    }
  }
  return groups;
}
