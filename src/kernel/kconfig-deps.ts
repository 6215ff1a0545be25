// What a Kconfig symbol depends on, read from the tree's own Kconfig files, and why a .config has it off: enough
// Kconfig to turn on the symbols that build a changed file and to say why one could not be turned on.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Git } from '../tools/git.js';

export type Expr =
  | { kind: 'symbol'; name: string }
  | { kind: 'not'; operand: Expr }
  | { kind: 'and' | 'or'; left: Expr; right: Expr }
  | { kind: 'compare'; op: string; left: string; right: string };

export interface KconfigEntry {
  symbol: string;
  file: string;
  line: number;
  /** A user can set it (it has a prompt); a promptless symbol is computed (def_bool, selected). */
  prompt: boolean;
  /** Its `depends on` lines, with those of the enclosing `if` blocks and menus of the same file. */
  depends: string[];
}

const TOKEN = /\s*(\(|\)|!=|<=|>=|&&|\|\||!|=|<|>|"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_.-]+)/y;

/** Pure: a Kconfig expression ("SWAP && ARCH_HIBERNATION_POSSIBLE", "!64BIT || X86_PAE", "NR_CPUS > 1"). */
export function parseExpr(text: string): Expr | undefined {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = TOKEN.exec(text))) {
    tokens.push(m[1]!);
    end = TOKEN.lastIndex;
  }
  if (text.slice(end).trim() !== '') return undefined;
  let at = 0;
  const orExpr = (): Expr | undefined => {
    let left = andExpr();
    while (left && tokens[at] === '||') {
      at++;
      const right = andExpr();
      left = right && { kind: 'or', left, right };
    }
    return left;
  };
  const andExpr = (): Expr | undefined => {
    let left = unary();
    while (left && tokens[at] === '&&') {
      at++;
      const right = unary();
      left = right && { kind: 'and', left, right };
    }
    return left;
  };
  const unary = (): Expr | undefined => {
    const t = tokens[at++];
    if (t === '!') {
      const operand = unary();
      return operand && { kind: 'not', operand };
    }
    if (t === '(') {
      const inner = orExpr();
      return tokens[at++] === ')' ? inner : undefined;
    }
    if (t === undefined || /^[()&|!=<>]/.test(t)) return undefined;
    const op = tokens[at];
    if (op && /^(=|!=|<|>|<=|>=)$/.test(op)) {
      at++;
      const right = tokens[at++];
      // a quoted side stays quoted: it is a constant (CMDLINE != ""), not a symbol to look up
      return right === undefined ? undefined : { kind: 'compare', op, left: t, right };
    }
    return { kind: 'symbol', name: unquote(t) };
  };
  const expr = orExpr();
  return expr && at === tokens.length ? expr : undefined;
}

const unquote = (t: string) => t.replace(/^"(.*)"$|^'(.*)'$/, '$1$2');
const TRISTATE: Record<string, number> = { n: 0, m: 1, y: 2 };

function valueOf(name: string, config: ReadonlyMap<string, string>): string {
  if (name === 'y' || name === 'm' || name === 'n') return name;
  if (/^"(.*)"$|^'(.*)'$/.test(name)) return unquote(name);
  if (/^-?\d+$|^0x[0-9a-f]+$/i.test(name) && !config.has(name)) return name;
  return (config.get(name) ?? 'n').replace(/^"(.*)"$/, '$1');
}

/** Pure: the tristate value (0 n, 1 m, 2 y) of an expression in a .config; unset symbols are n. */
export function evaluate(expr: Expr, config: ReadonlyMap<string, string>): number {
  switch (expr.kind) {
    case 'symbol':
      return TRISTATE[valueOf(expr.name, config)] ?? 0;
    case 'not':
      return 2 - evaluate(expr.operand, config);
    case 'and':
      return Math.min(evaluate(expr.left, config), evaluate(expr.right, config));
    case 'or':
      return Math.max(evaluate(expr.left, config), evaluate(expr.right, config));
    case 'compare': {
      const [a, b] = [valueOf(expr.left, config), valueOf(expr.right, config)];
      const numeric = /^-?\d+$/.test(a) && /^-?\d+$/.test(b);
      const cmp = numeric ? Number(a) - Number(b) : a.localeCompare(b);
      const holds =
        { '=': cmp === 0, '!=': cmp !== 0, '<': cmp < 0, '>': cmp > 0, '<=': cmp <= 0, '>=': cmp >= 0 }[expr.op] ??
        false;
      return holds ? 2 : 0;
    }
  }
}

/** Pure: the symbols that must be on for the expression to hold, from its top-level conjunction (not under ! or ||). */
export function requiredSymbols(expr: Expr): string[] {
  if (expr.kind === 'and') return [...requiredSymbols(expr.left), ...requiredSymbols(expr.right)];
  if (expr.kind === 'symbol' && !/^[ymn]$/.test(expr.name)) return [expr.name];
  return [];
}

/** Pure: the expression as Kconfig writes it. */
export function show(expr: Expr, parent?: Expr['kind']): string {
  switch (expr.kind) {
    case 'symbol':
      return expr.name;
    case 'not':
      return `!${show(expr.operand, 'not')}`;
    case 'compare':
      return `${expr.left}${expr.op}${expr.right}`;
    default: {
      const text = `${show(expr.left, expr.kind)} ${expr.kind === 'and' ? '&&' : '||'} ${show(expr.right, expr.kind)}`;
      return parent && parent !== expr.kind ? `(${text})` : text;
    }
  }
}

/** Pure: the conjuncts of an expression that are false in the config ("SWAP", "!64BIT"), outermost && split only. */
export function unmetTerms(expr: Expr, config: ReadonlyMap<string, string>): string[] {
  if (expr.kind === 'and') return [...unmetTerms(expr.left, config), ...unmetTerms(expr.right, config)];
  return evaluate(expr, config) === 0 ? [show(expr)] : [];
}

/**
 * Pure: the config and menuconfig entries of one Kconfig file. `depends` gathers the entry's own `depends on`, its
 * menu's and its `if` blocks' (within this file; a `source` inside an `if` is not followed).
 */
export function parseKconfig(text: string, file: string): KconfigEntry[] {
  const entries: KconfigEntry[] = [];
  const blocks: { kind: 'if' | 'menu' | 'choice'; depends: string[] }[] = [];
  let entry: KconfigEntry | undefined;
  let menuHeader: { depends: string[] } | undefined; // a menu (or choice) whose own `depends on` lines are still coming
  let helpIndent: number | undefined;
  let inHelp = false;
  // a continued line is joined into its first line; the lines it took stay, empty, so line numbers still hold
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let j = i;
    while (lines[i]!.endsWith('\\') && j + 1 < lines.length) {
      lines[i] = `${lines[i]!.slice(0, -1)} ${lines[++j]}`;
      lines[j] = '';
    }
    i = j;
  }
  for (const [i, raw] of lines.entries()) {
    const indent = /^[ \t]*/.exec(raw)![0].replace(/\t/g, '        ').length;
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (inHelp) {
      if (raw.trim() === '') continue;
      helpIndent ??= indent;
      if (indent >= helpIndent) continue;
      inHelp = false;
    }
    if (line === '') continue;
    const word = line.split(/\s+/)[0]!;
    const rest = line.slice(word.length).trim();
    const inherited = () => blocks.flatMap((b) => b.depends);
    if (word === 'config' || word === 'menuconfig') {
      entry = { symbol: rest, file, line: i + 1, prompt: false, depends: inherited() };
      entries.push(entry);
      menuHeader = undefined;
    } else if (word === 'if') {
      blocks.push({ kind: 'if', depends: [rest] });
      entry = menuHeader = undefined;
    } else if (word === 'menu' || word === 'choice') {
      const block = { kind: word as 'menu' | 'choice', depends: [] as string[] };
      blocks.push(block);
      menuHeader = block;
      entry = undefined;
    } else if (word === 'endif' || word === 'endmenu' || word === 'endchoice') {
      blocks.pop();
      entry = menuHeader = undefined;
    } else if (word === 'help' || word === '---help---') {
      inHelp = true;
      helpIndent = undefined;
    } else if (word === 'depends' && rest.startsWith('on ')) {
      (entry ?? menuHeader)?.depends.push(rest.slice(3).trim());
    } else if (entry && ((/^(bool|tristate|string|int|hex)$/.test(word) && /^["']/.test(rest)) || word === 'prompt')) {
      entry.prompt = true;
    } else if (/^(source|comment|mainmenu|endchoice)$/.test(word)) entry = menuHeader = undefined;
  }
  return entries;
}

/** The Kconfig entries of these symbols in the tree, leaving out other architectures' arch/ directories. */
export async function kconfigEntries(
  git: Git,
  treeDir: string,
  symbols: readonly string[],
  srcArch: string,
): Promise<Map<string, KconfigEntry[]>> {
  const found = new Map<string, KconfigEntry[]>();
  if (symbols.length === 0) return found;
  const pattern = `^[[:space:]]*(menu)?config[[:space:]]+(${symbols.join('|')})[[:space:]]*$`;
  const hits = await git.exec(['grep', '-l', '-E', pattern, '--', '*Kconfig*']);
  const files = hits.stdout
    .split('\n')
    .filter((f) => f && (!f.startsWith('arch/') || f.startsWith(`arch/${srcArch}/`)));
  const wanted = new Set(symbols);
  for (const file of files) {
    const text = await readFile(path.join(treeDir, file), 'utf8').catch(() => '');
    for (const e of parseKconfig(text, file)) {
      if (!wanted.has(e.symbol)) continue;
      found.set(e.symbol, [...(found.get(e.symbol) ?? []), e]);
    }
  }
  return found;
}

/**
 * Pure: why a symbol is off in a config, from its entries
 * ("depends on SWAP && ARCH_HIBERNATION_POSSIBLE: SWAP is off").
 */
export function whyOff(entries: readonly KconfigEntry[] | undefined, config: ReadonlyMap<string, string>): string {
  if (!entries || entries.length === 0) return 'no Kconfig file of this tree defines it';
  for (const e of entries) {
    const unmet = e.depends.flatMap((d) => {
      const expr = parseExpr(d);
      return expr ? unmetTerms(expr, config) : [];
    });
    if (unmet.length) return `it needs ${[...new Set(unmet)].join(' and ')} (${e.file}:${e.line})`;
  }
  if (entries.every((e) => !e.prompt)) return 'it cannot be set by hand (no prompt): only selected or defaulted';
  return 'olddefconfig turned it off (a choice or a select elsewhere)';
}
