// Which Kconfig symbol builds a source file (read from its Makefile), and whether a .config really has what we asked.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** `symbols`: every CONFIG_ symbol that must be on for the object to be built (composite parts need the parent's too). */
export type BuildRule = { kind: 'symbols'; symbols: string[] } | { kind: 'always' } | { kind: 'unknown' };

/** Makefile text with continuation lines joined and comments dropped. */
function logicalLines(makefile: string): string[] {
  return makefile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter(Boolean);
}

const ASSIGN = /^([\w.-]+)-(y|objs|\$\(CONFIG_(\w+)\))\s*[:+]?=\s*(.*)$/;

/**
 * Pure: the rule that builds `object` (e.g. "dm-crypt.o") according to one directory's Makefile, following
 * composite objects ("dm-mod-y += dm.o" then "obj-$(CONFIG_BLK_DEV_DM) += dm-mod.o").
 */
export function buildRuleIn(makefile: string, object: string, depth = 0): BuildRule {
  if (depth > 4) return { kind: 'unknown' };
  for (const line of logicalLines(makefile)) {
    const m = ASSIGN.exec(line);
    if (!m) continue;
    const [, target, kind, symbol, rhs] = m;
    if (!rhs!.split(/\s+/).includes(object)) continue;
    if (target === 'obj') return kind === 'y' ? { kind: 'always' } : symbol ? { kind: 'symbols', symbols: [symbol] } : { kind: 'unknown' };
    if (target === 'lib' || target === 'extra' || target === 'always') continue;
    // `object` is part of the composite `target.o`: it needs whatever builds the composite, plus its own symbol.
    const parent = buildRuleIn(makefile, `${target}.o`, depth + 1);
    if (parent.kind === 'unknown') continue;
    const own = symbol ? [symbol] : [];
    return parent.kind === 'always' ? (own.length ? { kind: 'symbols', symbols: own } : parent) : { kind: 'symbols', symbols: [...parent.symbols, ...own] };
  }
  return { kind: 'unknown' };
}

export async function buildRuleFor(treeDir: string, cFile: string): Promise<BuildRule> {
  const dir = path.dirname(cFile);
  const object = path.basename(cFile).replace(/\.c$/, '.o');
  for (const name of ['Makefile', 'Kbuild']) {
    const text = await readFile(path.join(treeDir, dir, name), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const rule = buildRuleIn(text, object);
    if (rule.kind !== 'unknown') return rule;
  }
  return { kind: 'unknown' };
}

/** Pure: parse .config text (or a fragment) into symbol → value ("y", "m", a string, or "n" for "is not set"). */
export function parseConfig(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const set = /^CONFIG_(\w+)=(.*)$/.exec(line);
    if (set) values.set(set[1]!, set[2]!);
    const unset = /^# CONFIG_(\w+) is not set$/.exec(line);
    if (unset) values.set(unset[1]!, 'n');
  }
  return values;
}

export interface DroppedSymbol {
  symbol: string;
  wanted: string;
  got: string;
}

/** Pure: every symbol asked for that the final .config does not have with the asked value (Kconfig drops silently). */
export function droppedSymbols(wanted: Map<string, string>, finalConfig: Map<string, string>): DroppedSymbol[] {
  const dropped: DroppedSymbol[] = [];
  for (const [symbol, value] of wanted) {
    const got = finalConfig.get(symbol) ?? 'n';
    if (got !== value) dropped.push({ symbol, wanted: value, got });
  }
  return dropped;
}
