import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SCHEMA_VERSION, type Results } from './model.js';
import { renderMarkdown } from '../report/markdown.js';
import { TOOL_VERSION } from '../version.js';

/** The results of a run that could not be done at all: verdict error, the reason, no stages. */
export function errorResults(reason: string, treeSource = ''): Results {
  return { schemaVersion: SCHEMA_VERSION, tool: { name: 'kernel-patch-ci', version: TOOL_VERSION }, verdict: 'error', reason, tree: { source: treeSource }, series: [], stages: [] };
}

/** The out dir's results.json, or undefined when there is none yet. */
export async function readResults(outDir: string): Promise<Results | undefined> {
  const text = await readFile(path.join(outDir, 'results.json'), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as Results);
}

/** results.json and report.md, side by side in the out dir. */
export async function writeResults(outDir: string, results: Results): Promise<{ json: string; markdown: string }> {
  await mkdir(outDir, { recursive: true });
  const json = path.join(outDir, 'results.json');
  const markdown = path.join(outDir, 'report.md');
  await writeFile(json, JSON.stringify(results, null, 2) + '\n');
  await writeFile(markdown, renderMarkdown(results));
  return { json, markdown };
}
