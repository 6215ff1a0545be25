// Which Kconfig symbol builds a source file (read from its Makefile), and whether a .config really has what we asked.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Git } from '../tools/git.js';

/**
 * `symbols`: every CONFIG_ symbol that must be on for the object to be built (composite parts need the parent's too).
 */
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
const IF_ON = /^(?:ifeq\s*\(\$\(CONFIG_(\w+)\),\s*y\)|ifdef\s+CONFIG_(\w+)|ifneq\s*\(\$\(CONFIG_(\w+)\),\s*\))$/;

function withSymbols(rule: BuildRule, extra: string[]): BuildRule {
  if (extra.length === 0 || rule.kind === 'unknown') return rule;
  const base = rule.kind === 'symbols' ? rule.symbols : [];
  return { kind: 'symbols', symbols: [...base, ...extra.filter((s) => !base.includes(s))] };
}

/**
 * Pure: the rule that builds `object` (e.g. "dm-crypt.o") according to one directory's Makefile, following
 * composite objects ("dm-mod-y += dm.o" then "obj-$(CONFIG_BLK_DEV_DM) += dm-mod.o") and ifeq/ifdef blocks.
 */
export function buildRuleIn(makefile: string, object: string, depth = 0): BuildRule {
  if (depth > 4) return { kind: 'unknown' };
  const conditions: (string | undefined)[] = [];
  for (const line of logicalLines(makefile)) {
    const cond = IF_ON.exec(line);
    if (cond) {
      conditions.push(cond[1] ?? cond[2] ?? cond[3]);
      continue;
    }
    if (/^if(n?eq|n?def)\b/.test(line))
      conditions.push(undefined); // a condition we cannot read: no symbol from it
    else if (line === 'endif') conditions.pop();
    const m = ASSIGN.exec(line);
    if (!m) continue;
    const [, target, kind, symbol, rhs] = m;
    if (!rhs!.split(/\s+/).includes(object)) continue;
    const own = [...conditions.filter((c): c is string => c !== undefined), ...(symbol ? [symbol] : [])];
    if (target === 'obj')
      return kind === 'y'
        ? withSymbols({ kind: 'always' }, own)
        : symbol
          ? { kind: 'symbols', symbols: own }
          : { kind: 'unknown' };
    if (target === 'lib' || target === 'extra' || target === 'always') continue;
    // `object` is part of the composite `target.o`: it needs whatever builds the composite, plus its own symbols.
    const parent = buildRuleIn(makefile, `${target}.o`, depth + 1);
    if (parent.kind !== 'unknown') return withSymbols(parent, own);
  }
  return { kind: 'unknown' };
}

export async function buildRuleFor(treeDir: string, cFile: string): Promise<BuildRule> {
  const dir = path.dirname(cFile);
  // a .c file's object, or a directory ("power/") as its parent's Makefile names it
  const object = cFile.endsWith('/') ? `${path.basename(cFile)}/` : path.basename(cFile).replace(/\.c$/, '.o');
  for (const name of ['Makefile', 'Kbuild']) {
    const text = await readFile(path.join(treeDir, dir, name), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const rule = buildRuleIn(text, object);
    if (rule.kind !== 'unknown') return rule;
  }
  return { kind: 'unknown' };
}

/**
 * The rule that builds a .c file, with the symbols that make kbuild descend into its directory: drivers/md/ needs
 * CONFIG_MD ("obj-$(CONFIG_MD) += md/" in drivers/Makefile), kernel/power/ nothing ("obj-y += power/").
 * Top-level directories are always entered; a parent rule we cannot read adds nothing.
 */
export async function buildRuleWithParents(treeDir: string, cFile: string): Promise<BuildRule> {
  let rule = await buildRuleFor(treeDir, cFile);
  if (rule.kind === 'unknown') return rule;
  for (let dir = path.dirname(cFile); path.dirname(dir) !== '.'; dir = path.dirname(dir)) {
    const parent = await buildRuleFor(treeDir, path.join(path.dirname(dir), `${path.basename(dir)}/`));
    if (parent.kind === 'symbols')
      rule = {
        kind: 'symbols',
        symbols: [
          ...parent.symbols.filter((s) => !(rule.kind === 'symbols' && rule.symbols.includes(s))),
          ...(rule.kind === 'symbols' ? rule.symbols : []),
        ],
      };
  }
  return rule;
}

/** Whether the object's own Makefile (or Kbuild) sets CFLAGS_<object>: a make variable on the command line would
 *  replace those flags, not add to them. */
export async function setsObjectCflags(treeDir: string, object: string): Promise<boolean> {
  const variable = `CFLAGS_${path.basename(object)}`;
  for (const name of ['Makefile', 'Kbuild']) {
    const text = await readFile(path.join(treeDir, path.dirname(object), name), 'utf8').catch(() => '');
    if (text.split('\n').some((l) => l.trim().startsWith(variable))) return true;
  }
  return false;
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

/** Which of these symbols some Kconfig file in the tree defines ("config FOO" or "menuconfig FOO"). */
export async function definedSymbols(git: Git, symbols: readonly string[]): Promise<Set<string>> {
  if (symbols.length === 0) return new Set();
  const pattern = `^[[:space:]]*(menu)?config[[:space:]]+(${symbols.join('|')})[[:space:]]*$`;
  const result = await git.exec(['grep', '-h', '-E', pattern, '--', '*Kconfig*']);
  const found = new Set<string>();
  for (const line of result.stdout.split('\n')) {
    const m = /config\s+(\w+)/.exec(line);
    if (m) found.add(m[1]!);
  }
  return found;
}

/** Pure: "6.12.118" from the top-level Makefile's VERSION, PATCHLEVEL and SUBLEVEL. */
export function makefileVersion(makefile: string): string | undefined {
  const field = (name: string) => new RegExp(`^${name}\\s*=\\s*(\\d+)\\s*$`, 'm').exec(makefile)?.[1];
  const [v, p, s] = [field('VERSION'), field('PATCHLEVEL'), field('SUBLEVEL')];
  return v && p ? `${v}.${p}${s ? `.${s}` : ''}` : undefined;
}
