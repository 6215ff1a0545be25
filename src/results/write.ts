import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Results } from './model.js';
import { renderMarkdown } from '../report/markdown.js';

/** results.json and report.md, side by side in the out dir. */
export async function writeResults(outDir: string, results: Results): Promise<{ json: string; markdown: string }> {
  await mkdir(outDir, { recursive: true });
  const json = path.join(outDir, 'results.json');
  const markdown = path.join(outDir, 'report.md');
  await writeFile(json, JSON.stringify(results, null, 2) + '\n');
  await writeFile(markdown, renderMarkdown(results));
  return { json, markdown };
}
