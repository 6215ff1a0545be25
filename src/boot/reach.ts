// The scenario map: which scenario ran which function of the touched files, learned from a base boot that kept each
// scenario's gcov counters apart (kpci.learn=1), and the patched boot's scenarios narrowed by it.
import { readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ScenarioInfo } from '../guest/scenarios.js';
import { reasonLine } from './choose.js';
import { readCounters, type GcovReport } from './coverage.js';
import { gcovJson } from '../tools/gcov.js';

/** "file:function" → the scenarios that entered it on the base kernel; [] for a function none of them ran. */
export type ReachMap = Record<string, string[]>;

export interface LearnedReach {
  /** The scenarios the learning boot ran: the map says nothing of the others. */
  scenarios: string[];
  reach: ReachMap;
}

/** The touched files that have base notes under gcnoDir (its layout is the O= dir's), as source paths. */
export async function listGcno(gcnoDir: string, rel = ''): Promise<string[]> {
  if (!existsSync(path.join(gcnoDir, rel))) return [];
  const out: string[] = [];
  for (const e of await readdir(path.join(gcnoDir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listGcno(gcnoDir, p)));
    else if (e.name.endsWith('.gcno')) out.push(p.replace(/\.gcno$/, '.c'));
  }
  return out.sort();
}

/** The one .gcda for `file` under dir, wherever the guest put it (its path starts with the build's O= dir). */
async function findGcda(dir: string, file: string): Promise<string | undefined> {
  const suffix = `/${file.replace(/\.c$/, '.gcda')}`;
  const walk = async (d: string): Promise<string | undefined> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        const found = await walk(p);
        if (found) return found;
      } else if (p.endsWith(suffix)) return p;
    }
    return undefined;
  };
  return existsSync(dir) ? walk(dir) : undefined;
}

/**
 * The map from a learning boot's results (gcov-by/SCENARIO/…) read against the base build's notes (gcnoDir, laid
 * out as the O= dir): every function of each touched file that has notes, with the scenarios that entered it.
 */
export async function learnReach(
  resultsDir: string,
  gcnoDir: string,
  files: readonly string[],
  scenarios: readonly string[],
): Promise<LearnedReach> {
  const reach: ReachMap = {};
  const byScenario = path.join(resultsDir, 'gcov-by');
  for (const scenario of scenarios) {
    for (const file of files) {
      if (!existsSync(path.join(gcnoDir, file.replace(/\.c$/, '.gcno')))) continue;
      const gcda = await findGcda(path.join(byScenario, scenario), file);
      // no counters dumped for a profiled file: the notes alone list its functions, none entered
      const report = gcda
        ? await readCounters(gcnoDir, gcda, file)
        : ((await gcovJson(path.join(gcnoDir, path.dirname(file)), path.basename(file, '.c'))) as GcovReport);
      for (const g of report?.files.find((f) => f.file === file || f.file.endsWith(`/${file}`))?.functions ?? []) {
        const key = `${file}:${g.demangled_name ?? g.name}`;
        reach[key] ??= [];
        if (g.execution_count > 0) reach[key].push(scenario);
      }
    }
  }
  return { scenarios: [...scenarios], reach };
}

export interface NarrowedChoice {
  /** In the guest's order, a subset of the candidates. */
  names: string[];
  /** One line per chosen scenario: the changed functions the map says it runs, or "smoke". */
  reasons: string[];
  /** Why every candidate runs after all: a changed function the map cannot place. */
  widened?: string;
}

/**
 * Pure: the candidates (the change's static choice, which the base learned over) cut to the smoke ones and those the
 * map says enter a changed function. A changed function the map does not know (new, or its file not profiled) or
 * that no scenario entered without a known reason (guest/not-reached.tsv) keeps every candidate: nothing is
 * skipped blindly.
 */
export function narrowByReach(
  candidates: readonly ScenarioInfo[],
  learned: LearnedReach,
  changed: readonly { file: string; name: string }[],
  notReached: ReadonlyMap<string, string>,
): NarrowedChoice {
  const everything = (widened: string): NarrowedChoice => ({
    names: candidates.map((c) => c.name),
    reasons: [],
    widened,
  });
  const missing = candidates.filter((c) => !learned.scenarios.includes(c.name));
  if (missing.length) return everything(`the map was not learned over ${missing.map((c) => c.name).join(', ')}`);
  const why = new Map<string, string[]>();
  for (const fn of changed) {
    const key = `${fn.file}:${fn.name}`;
    const ran = learned.reach[key];
    if (ran === undefined) return everything(`${fn.name}() (${fn.file}) is not in the map`);
    if (ran.length === 0 && !notReached.has(key))
      return everything(`no scenario entered ${fn.name}() on the base kernel`);
    for (const s of ran) why.set(s, [...(why.get(s) ?? []), `${fn.name}()`]);
  }
  for (const c of candidates) if (c.smoke) why.set(c.name, [...(why.get(c.name) ?? []), 'smoke']);
  const chosen = candidates.filter((c) => why.has(c.name));
  return { names: chosen.map((c) => c.name), reasons: chosen.map((c) => reasonLine(c.name, why.get(c.name)!)) };
}
