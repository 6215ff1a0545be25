// Pure: the C function a line belongs to, found the way a kernel reader would (kernel style puts a function's
// opening brace alone in column 0), so fingerprints survive code moving up or down the file.

/** How far above its brace a declarator may start (long parameter lists, attributes, #ifdef'd alternatives). */
const HEADER_WINDOW = 120;

/** Words written like calls around a declarator that are never the function's name. */
const NOT_A_NAME = new Set([
  '__attribute__',
  '__attribute',
  '__printf',
  '__scanf',
  '__section',
  '__aligned',
  '__acquires',
  '__releases',
  '__must_hold',
  '__cond_acquires',
  '__cond_releases',
  '__alloc_size',
  '__realloc_size',
  '__assume_aligned',
  '__diagnose_as',
  '__counted_by',
  '__malloc',
  '__access',
  '__cleanup',
  'alignas',
  '_Alignas',
  '__declspec',
  '__typeof__',
  '__typeof',
  'typeof',
  'sizeof',
  '_Static_assert',
  'static_assert',
  'asm',
  '__asm__',
  'void',
  'char',
  'short',
  'int',
  'long',
  'float',
  'double',
  'signed',
  'unsigned',
  'const',
  'volatile',
  'struct',
  'union',
  'enum',
  'static',
  'inline',
  'extern',
  'return',
  'if',
  'while',
  'for',
  'switch',
]);

/** Comments, string and character literals blanked out (newlines kept, so line numbers stay). */
export function withoutCommentsAndStrings(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, (m) =>
    m.startsWith('"') ? '""' : m.startsWith("'") ? "''" : m.replace(/[^\n]/g, ' '),
  );
}

/**
 * Preprocessor lines (with their continuations) blanked, and with them the #else/#elif branches that close before
 * the brace: a declarator written twice under #ifdef reads as its first variant. A branch still open at the brace
 * is the one the function is in, and stays.
 */
function firstBranchOnly(lines: readonly string[]): string[] {
  const kept = [...lines];
  const open: { elseAt?: number }[] = []; // per #if seen: where its first #else/#elif began
  let orphanElseAt: number | undefined; // the window began inside an #if: its #else, if we meet one
  let continued = false;
  lines.forEach((line, i) => {
    const directive: boolean = continued || /^\s*#/.test(line);
    if (directive && !continued) {
      const word = /^\s*#\s*(\w+)/.exec(line)?.[1] ?? '';
      const top = open.at(-1);
      if (/^if/.test(word)) open.push({});
      else if (word === 'else' || word === 'elif') {
        if (top) top.elseAt ??= i;
        else orphanElseAt ??= i;
      } else if (word === 'endif') {
        let from: number | undefined;
        if (open.length) from = open.pop()!.elseAt;
        else [from, orphanElseAt] = [orphanElseAt, undefined];
        if (from !== undefined) for (let k = from; k < i; k++) kept[k] = '';
      }
    }
    continued = directive && /\\\s*$/.test(line);
    if (directive) kept[i] = '';
  });
  return kept;
}

const isWord = (t: string | undefined): t is string => t !== undefined && /^[A-Za-z_]/.test(t);

/** Pure: whether a group's tokens read as a parameter list ("struct x *p, int n", "void", "...", or empty), not as
 *  the arguments of a macro ("5, 6", "elt", "&netdev_priv(dev)->lock"). */
export function looksLikeParameters(tokens: readonly string[]): boolean {
  if (tokens.length === 0) return true;
  const params: string[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t === ',' && depth === 0) params.push([]);
    else {
      if (t === '(' || t === '[') depth++;
      if (t === ')' || t === ']') depth--;
      params.at(-1)!.push(t);
    }
  }
  return params.some((p) => {
    if (p.join('') === 'void' || p.join('') === '...') return true;
    const words = p.filter(isWord).length;
    return words >= 2 && p.every((t) => isWord(t) || /^[*()[\]]$|^\d+$/.test(t));
  });
}

/** The first word followed by "(" inside the group opening at `open`, one level down. */
function innerName(tokens: readonly string[], open: number): string | undefined {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (tokens[i] === '(') {
      if (depth === 1 && isWord(tokens[i - 1]) && !NOT_A_NAME.has(tokens[i - 1]!)) return tokens[i - 1];
      depth++;
    } else if (tokens[i] === ')' && --depth === 0) return undefined;
  }
  return undefined;
}

/**
 * Pure: the name a function header declares ("static int __init foo(int a) __releases(x)" → "foo",
 * "void (*get_handler(int n))(void)" → "get_handler"), or undefined when the text is not a function header (a
 * struct, an initialiser).
 */
export function declaredName(header: string): string | undefined {
  const tokens = header.match(/[A-Za-z_]\w*|\S/g) ?? [];
  const groups: { name: string; parameters: boolean }[] = [];
  let depth = 0;
  let open = -1; // where the group being read at depth 0 began
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t === '(') {
      if (depth === 0) open = i;
      depth++;
    } else if (t === ')' && depth > 0 && --depth === 0) {
      const before = tokens[open - 1];
      if (tokens[open + 1] === '*' || before === ')') {
        // "(*name(args))[4]", "typeof(x)(name(args))": a function returning a pointer; its name is inside
        const inner = innerName(tokens, open);
        if (inner) groups.push({ name: inner, parameters: true });
      } else if (isWord(before) && !NOT_A_NAME.has(before)) {
        groups.push({ name: before, parameters: looksLikeParameters(tokens.slice(open + 1, i)) });
      }
    } else if (depth === 0 && t === '=') return undefined; // an initialiser: "static struct x y[] =" with { below
  }
  // The last group with parameters: macros before a declarator (SEC("xdp"), PRINTF(5, 6)) and annotations after it
  // (__dm_written_to_disk(elt)) take arguments, not parameters. Old-style definitions have none at all.
  return (groups.filter((g) => g.parameters).at(-1) ?? groups.at(-1))?.name;
}

/** The declarator above the brace on line index `brace`, comments, strings and other #if branches removed. */
function headerAbove(lines: readonly string[], brace: number): string {
  let start = brace;
  // back to the end of the body or declaration before ("}" or "};" alone; "} *p)" ends a struct in a parameter list)
  while (start > 0 && brace - start < HEADER_WINDOW && !/^}\s*;?\s*(\/[*/].*)?$/.test(lines[--start]!));
  let window = lines.slice(start, brace).join('\n');
  const close = window.indexOf('*/');
  if (close >= 0 && !window.slice(0, close).includes('/*')) window = window.slice(close + 2); // began inside a comment
  return firstBranchOnly(withoutCommentsAndStrings(window).split('\n')).join('\n');
}

/** Index of the last of these characters outside parentheses (a struct defined in a parameter list has ; and }). */
function lastOutsideParens(code: string, chars: string): number {
  let depth = 0;
  for (let i = code.length - 1; i >= 0; i--) {
    const c = code[i]!;
    if (c === ')') depth++;
    else if (c === '(') depth = Math.max(0, depth - 1);
    else if (depth === 0 && chars.includes(c)) return i;
  }
  return -1;
}

// Callers ask about many lines of one file in a row: split it once.
let lastSource: string | undefined;
let lastLines: string[] = [];
function linesOf(source: string): string[] {
  if (source !== lastSource) [lastSource, lastLines] = [source, source.split('\n')];
  return lastLines;
}

/** Name of the function whose body contains 1-based `line`, or undefined at file scope. */
export function enclosingFunction(source: string, line: number): string | undefined {
  const lines = linesOf(source);
  for (let i = Math.min(line, lines.length) - 1; i >= 0; i--) {
    const text = lines[i]!;
    if (text.startsWith('}') && i < line - 1) return undefined; // a body closed before our line: file scope
    if (!text.startsWith('{')) continue;
    if (lines[i - 1]?.endsWith('\\')) return undefined; // a brace inside a #define: not a function's body
    const code = headerAbove(lines, i);
    // The declarator stands after the previous declaration or body (its ; or }); a macro invocation with no ; of
    // its own ("STORE_LOCKED(x)") a blank line above it; old-style parameter declarations end in ; themselves.
    const afterBody = code.slice(lastOutsideParens(code, '{}') + 1);
    const header = afterBody.slice(lastOutsideParens(afterBody, ';') + 1);
    const paragraph = header.slice(header.search(/\n\s*\n(?![\s\S]*\n\s*\n)/) + 1);
    return declaredName(paragraph) ?? declaredName(header) ?? declaredName(afterBody);
  }
  return undefined;
}

export interface FunctionBody {
  name: string;
  /** 1-based lines of the body's opening and closing braces (both in column 0). */
  start: number;
  end: number;
}

/** Pure: every kernel-style function body of a file (brace in column 0), named as enclosingFunction() names them. */
export function functionBodies(source: string): FunctionBody[] {
  const lines = source.split('\n');
  const bodies: FunctionBody[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith('{')) continue;
    const name = enclosingFunction(source, i + 1);
    let end = i + 1;
    while (end < lines.length && !lines[end]!.startsWith('}')) end++;
    if (name) bodies.push({ name, start: i + 1, end: end + 1 });
    i = end;
  }
  return bodies;
}
