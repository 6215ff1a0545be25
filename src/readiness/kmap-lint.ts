// kmap_local lint: the Coccinelle rules in lint/kmap-local/ on the patched versions of the touched .c files, kept
// to the functions the series changed; and the deprecated-API count of those files before and after.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Finding } from '../results/model.js';
import type { Patch } from '../series/intake.js';
import { changedFunctions, type ChangedFunction } from '../series/changed.js';
import { touchedCFiles } from '../series/touched.js';
import { packageRoot } from '../kernel/cells.js';
import { runSpatch, type SpatchMatch } from '../tools/spatch.js';
import type { Git } from '../tools/git.js';

export const RULES_DIR = path.join(packageRoot(), 'lint', 'kmap-local');

/** What each rule's match means, in a reviewer's words (DOMAIN.md's rules 1–3 and 5). */
const MEANING: Record<string, string> = {
  KMAP_LOCAL_WRONG_UNMAP:
    'a kmap_local_page() mapping is released with kunmap_atomic() or kunmap(); use kunmap_local(addr)',
  KMAP_LOCAL_UNMAP_PAGE: 'kunmap_local() is given a struct page *; it takes the address kmap_local_page() returned',
  KMAP_LOCAL_LIFO: 'nested local mappings are released out of order; unmap the inner (later) mapping first',
  KMAP_LOCAL_ESCAPES:
    "a local mapping's address leaves the task that made it (handed to a scatterlist, a new thread or another CPU, " +
    'or stored where a work item, completion or wakeup it starts can find it); ' +
    'a scatterlist takes virt_to_page() of it, which is not the mapped page on HIGHMEM',
  KMAP_LOCAL_PERCPU:
    'per-CPU state or smp_processor_id() is used under a local mapping, which (unlike kmap_atomic) ' +
    'leaves preemption enabled; disable preemption explicitly',
};

/** Pure: calls of the deprecated mapping API in C source, comments and strings left out. */
export function countDeprecated(source: string): number {
  const code = source
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\/\/[^\n]*/g, ' ')
    .replace(/"(?:[^"\\\n]|\\.)*"/g, '""');
  return [...code.matchAll(/\b(kmap|kmap_atomic|kunmap|kunmap_atomic)\s*\(/g)].length;
}

/** Pure: keep matches inside a function the series changed (or on a changed line), tied to the patch that did it. */
export function keepChanged(
  matches: readonly SpatchMatch[],
  file: string,
  changed: readonly ChangedFunction[],
): Finding[] {
  const seen = new Set<string>();
  const findings: Finding[] = [];
  for (const m of matches) {
    const fn = changed.find((c) => c.file === file && (c.name === m.function || c.lines.includes(m.line)));
    const key = `${m.type}:${m.line}`;
    if (!fn || seen.has(key)) continue;
    seen.add(key);
    findings.push({
      tool: 'readiness',
      severity: 'error',
      type: m.type,
      file,
      line: m.line,
      new: true,
      ...(fn.patches.length === 1 ? { patch: fn.patches[0] } : {}),
      message: `${MEANING[m.type] ?? m.type} (in ${fn.name}())`,
    });
  }
  return findings;
}

export interface KmapLintReport {
  findings: Finding[];
  deprecated: { before: number; after: number };
  filesLinted: number;
  /** Why the rules did not run, when they did not (spatch missing). */
  notRun?: string;
}

/**
 * Every rule of lint/kmap-local/ over these files, in one spatch run: the rules are concatenated into one semantic
 * patch (their rule names are distinct), so each C file is parsed once rather than once per rule.
 */
export async function runKmapRules(
  files: readonly string[],
  options: { cwd: string; timeoutMs: number },
  rulesDir = RULES_DIR,
): Promise<SpatchMatch[]> {
  const names = (await readdir(rulesDir)).filter((n) => n.endsWith('.cocci')).sort();
  const texts = await Promise.all(names.map((n) => readFile(path.join(rulesDir, n), 'utf8')));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kpci-cocci-'));
  try {
    const combined = path.join(dir, 'kmap-local.cocci');
    await writeFile(combined, texts.join('\n'));
    return await runSpatch(combined, files, options);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function lintKmapLocal(
  treeDir: string,
  git: Git,
  base: string,
  patches: readonly Patch[],
  timeoutMs: number,
): Promise<KmapLintReport> {
  const files = touchedCFiles(patches);
  const changed = await changedFunctions(treeDir, patches);
  const report: KmapLintReport = { findings: [], deprecated: { before: 0, after: 0 }, filesLinted: 0 };
  for (const file of files) {
    const before = await git.exec(['show', `${base}:${file}`]);
    if (before.code === 0) report.deprecated.before += countDeprecated(before.stdout);
    report.deprecated.after += countDeprecated(await readFile(path.join(treeDir, file), 'utf8'));
  }
  // only files with a changed function can have a finding we keep
  const linted = files.filter((f) => changed.some((c) => c.file === f));
  try {
    const matches = await runKmapRules(linted, { cwd: treeDir, timeoutMs });
    for (const file of linted)
      report.findings.push(
        ...keepChanged(
          matches.filter((m) => m.file === file),
          file,
          changed,
        ),
      );
    report.filesLinted = linted.length;
  } catch (error) {
    report.notRun = (error as Error).message;
  }
  report.findings.sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0));
  return report;
}
