// The one place results.json is read and written: the out dir's file, a --continue step's, a matrix job's.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { inputError } from '../errors.js';
import { SCHEMA_VERSION, type Results } from './model.js';
import { renderMarkdown } from '../report/markdown.js';
import { TOOL_VERSION } from '../version.js';

export const RESULTS_FILE = 'results.json';

/** The results of a run that could not be done at all: verdict error, the reason, no stages. */
export function errorResults(reason: string, treeSource = ''): Results {
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'kernel-patch-ci', version: TOOL_VERSION },
    verdict: 'error',
    reason,
    tree: { source: treeSource },
    series: [],
    stages: [],
  };
}

/** A results file, checked to be one of this schema; undefined when it does not exist, one line when it is not one. */
export async function readResultsFile(file: string): Promise<Results | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  let results: Results;
  try {
    results = JSON.parse(text) as Results;
  } catch {
    throw inputError(`${file} is not a results file (not JSON)`);
  }
  if (results?.schemaVersion !== SCHEMA_VERSION || !Array.isArray(results.stages)) {
    throw inputError(`${file} is not a results file of schema ${SCHEMA_VERSION}`);
  }
  return results;
}

/** The out dir's results.json, or undefined when there is none yet. */
export function readResults(outDir: string): Promise<Results | undefined> {
  return readResultsFile(path.join(outDir, RESULTS_FILE));
}

/** results.json and report.md, side by side in the out dir. */
export async function writeResults(outDir: string, results: Results): Promise<{ json: string; markdown: string }> {
  await mkdir(outDir, { recursive: true });
  const json = path.join(outDir, RESULTS_FILE);
  const markdown = path.join(outDir, 'report.md');
  await writeFile(json, JSON.stringify(results, null, 2) + '\n');
  await writeFile(markdown, renderMarkdown(results));
  return { json, markdown };
}
