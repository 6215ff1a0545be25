// The config symbols a series needs: what builds each changed .c file (its Makefile and its parents'), with the
// Kconfig dependencies a user could turn on, added to a cell before olddefconfig; and, after it, which stayed off
// and why.
import { archOf } from '../kernel/arches.js';
import { writeFile } from 'node:fs/promises';
import { buildRuleWithParents } from '../kernel/kconfig.js';
import { kconfigEntries, parseExpr, requiredSymbols, whyOff, type KconfigEntry } from '../kernel/kconfig-deps.js';
import type { Git } from '../tools/git.js';

/** symbol → the changed files that need it. */
export type SymbolNeeds = Map<string, string[]>;

/** The symbols each changed file's build rule names (in the patched tree: a series may add the Makefile line). */
export async function symbolsBuilding(treeDir: string, files: readonly string[]): Promise<SymbolNeeds> {
  const needs: SymbolNeeds = new Map();
  for (const file of files) {
    const rule = await buildRuleWithParents(treeDir, file);
    if (rule.kind !== 'symbols') continue;
    for (const s of rule.symbols) needs.set(s, [...(needs.get(s) ?? []), file]);
  }
  return needs;
}

/** The kernel's source directory under arch/ for an ARCH= value. */

export interface SeriesAdditions {
  /** symbol → the files it is for (its own rule's or, for a dependency, the files of the symbol needing it). */
  asked: SymbolNeeds;
  /** Those a changed file's build rule names (the others are their dependencies). */
  direct: string[];
  /** The Kconfig entries read for them, to explain later why one stayed off. */
  entries: Map<string, KconfigEntry[]>;
}

/**
 * The symbols to ask for in a cell: those the changed files need that the cell's fragment does not already set,
 * plus, a few levels deep, the prompted symbols their `depends on` requires (HIBERNATION needs SWAP). A symbol
 * the fragment turns off stays off: the cell's author meant it.
 */
export async function seriesAdditions(
  git: Git,
  treeDir: string,
  needs: SymbolNeeds,
  arch: string,
  fragment: ReadonlyMap<string, string>,
): Promise<SeriesAdditions> {
  const asked: SymbolNeeds = new Map();
  const entries = new Map<string, KconfigEntry[]>();
  let level = [...needs.keys()].filter((s) => !fragment.has(s));
  for (const s of level) asked.set(s, needs.get(s)!);
  for (let depth = 0; depth < 4 && level.length; depth++) {
    const found = await kconfigEntries(
      git,
      treeDir,
      level.filter((s) => !entries.has(s)),
      archOf(arch).srcArch,
    );
    for (const [s, e] of found) entries.set(s, e);
    const next: string[] = [];
    for (const s of level) {
      for (const dep of (entries.get(s) ?? []).flatMap((e) =>
        e.depends.flatMap((d) => requiredSymbols(parseExpr(d) ?? { kind: 'symbol', name: 'y' })),
      )) {
        if (fragment.has(dep) || asked.has(dep) || next.includes(dep)) continue;
        next.push(dep);
        asked.set(dep, asked.get(s)!);
      }
    }
    if (next.length === 0) break;
    const nextEntries = await kconfigEntries(git, treeDir, next, archOf(arch).srcArch);
    for (const [s, e] of nextEntries) entries.set(s, e);
    // a promptless dependency (MMU, ARCH_HIBERNATION_POSSIBLE) is computed by Kconfig: asking for it changes nothing
    level = next.filter((s) => nextEntries.get(s)?.some((e) => e.prompt));
    for (const s of next) if (!level.includes(s)) asked.delete(s);
  }
  return { asked, direct: [...needs.keys()].filter((s) => asked.has(s)), entries };
}

/**
 * The extra fragment of a cell: the series' symbols, and warnings never turned into errors (-Werror hides the rest).
 */
export async function writeSeriesFragment(
  file: string,
  additions: SeriesAdditions,
  definesWerror: boolean,
): Promise<void> {
  const lines = ['# kernel-patch-ci: what the series needs, added to the cell before olddefconfig'];
  for (const [s, files] of additions.asked) lines.push(`CONFIG_${s}=y`, `# (for ${files.join(', ')})`);
  if (definesWerror) lines.push('# CONFIG_WERROR is not set');
  await writeFile(file, `${lines.join('\n')}\n`);
}

export interface AdditionsOutcome {
  added: string[];
  refused: { symbol: string; files: string[]; reason: string }[];
}

/** Pure: which asked symbols the final .config has on, and for the files' own symbols left off the Kconfig reason. */
export function judgeAdditions(additions: SeriesAdditions, finalConfig: ReadonlyMap<string, string>): AdditionsOutcome {
  const outcome: AdditionsOutcome = { added: [], refused: [] };
  for (const [symbol, files] of additions.asked) {
    const value = finalConfig.get(symbol);
    if (value === 'y' || value === 'm') outcome.added.push(symbol);
    // a dependency that stayed off shows in the reason of the symbol that needed it
    else if (additions.direct.includes(symbol))
      outcome.refused.push({ symbol, files, reason: whyOff(additions.entries.get(symbol), finalConfig) });
  }
  return outcome;
}
