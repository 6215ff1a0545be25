// Pure: which changed lines of a C file the preprocessor kept in a given configuration. A copy of the file gets a
// marker comment at the end of each changed code line; the preprocessor, run with the object's own flags and -CC
// (keep comments, in macro arguments too), drops the markers of lines in inactive #if branches.

/** Comments and the insides of string and character literals as spaces: same length, same newlines. */
export function blankCommentsAndStrings(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, (m) => {
    if (m.startsWith('"') || m.startsWith("'")) return m[0] + m.slice(1, -1).replace(/[^\n]/g, ' ') + m.at(-1);
    return m.replace(/[^\n]/g, ' ');
  });
}

const marker = (line: number) => `/*kpci:${line}*/`;

export interface Instrumented {
  text: string;
  /** The lines that got a marker: changed lines with code on them, outside #directives and #define bodies. */
  marked: number[];
}

/** Pure: `source` with a marker after the last code character of each of `lines` (1-based) that has code. */
export function instrumentLines(source: string, lines: readonly number[]): Instrumented {
  const raw = source.split('\n');
  const code = blankCommentsAndStrings(source).split('\n');
  const wanted = new Set(lines);
  const marked: number[] = [];
  let inDirective = false;
  for (let i = 0; i < raw.length; i++) {
    const blank = code[i]!;
    const directive: boolean = inDirective || /^\s*#/.test(blank);
    inDirective = directive && /\\\s*$/.test(blank);
    if (directive || !wanted.has(i + 1) || blank.trim() === '') continue;
    let at = blank.trimEnd().length;
    if (blank.trimEnd().endsWith('\\')) at = blank.trimEnd().length - 1; // keep a line continuation last
    // after a division sign ("x = a /" continued below) a marker would open a // comment and be lost
    const space = blank[at - 1] === '/' ? ' ' : '';
    raw[i] = raw[i]!.slice(0, at) + space + marker(i + 1) + raw[i]!.slice(at);
    marked.push(i + 1);
  }
  return { text: raw.join('\n'), marked };
}

/** Pure: the lines whose markers survived preprocessing. */
export function keptLines(preprocessed: string): Set<number> {
  return new Set([...preprocessed.matchAll(/\/\*kpci:(\d+)\*\//g)].map((m) => Number(m[1])));
}

export interface Condition {
  /** The directive as written ("#ifdef CONFIG_HIGHMEM", "#else"); for #else/#elif, `opening` is its #if. */
  text: string;
  line: number;
  opening?: { text: string; line: number };
}

/** Pure: the conditional branch (#if, #ifdef, #ifndef, #elif, #else) a line is in, innermost first. */
export function enclosingConditions(source: string, line: number): Condition[] {
  const code = blankCommentsAndStrings(source).split('\n');
  const stack: { opening: Condition; branch: Condition }[] = [];
  for (let i = 0; i < Math.min(line - 1, code.length); i++) {
    const m = /^\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b(.*)$/.exec(code[i]!);
    if (!m) continue;
    const text = `#${m[1]}${m[2]!.replace(/\s+/g, ' ').trimEnd()}`;
    if (m[1]!.startsWith('if')) {
      const c = { text, line: i + 1 };
      stack.push({ opening: c, branch: c });
    } else if (m[1] === 'endif') stack.pop();
    else if (stack.length) {
      const top = stack.at(-1)!;
      top.branch = { text, line: i + 1, opening: top.opening };
    }
  }
  return stack.map((s) => s.branch).reverse();
}

/** Pure: the CONFIG_ symbols a directive tests. */
export function symbolsIn(directive: string): string[] {
  return [...new Set([...directive.matchAll(/\bCONFIG_(\w+)/g)].map((m) => m[1]!))];
}

/**
 * Pure: kbuild's saved compile command for an object (the first command of its .cmd line: "ccache gcc … -c -o
 * x.o x.c ; objtool …") as argument words, the way the shell reads them.
 */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (c === "'") {
      const end = command.indexOf("'", i + 1);
      word = (word ?? '') + command.slice(i + 1, end < 0 ? undefined : end);
      i = end < 0 ? command.length : end;
    } else if (c === '"') {
      let j = i + 1;
      let s = '';
      for (; j < command.length && command[j] !== '"'; j++)
        s += command[j] === '\\' && /["\\$`]/.test(command[j + 1] ?? '') ? command[++j] : command[j];
      word = (word ?? '') + s;
      i = j;
    } else if (c === '\\') word = (word ?? '') + (command[++i] ?? '');
    else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === ';' || c === '|' || c === '&')
      break; // the next command (objtool) is not ours
    else word = (word ?? '') + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}

/**
 * Pure: a compile command turned into a preprocessing of `source` into `output`: -E -CC instead of -c, no
 * dependency file, no ccache in front.
 */
export function preprocessCommand(compile: readonly string[], source: string, output: string): string[] {
  const words = compile[0] === 'ccache' ? compile.slice(1) : [...compile];
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '-c' || w.startsWith('-Wp,-MMD') || w.startsWith('-Wp,-MD')) continue;
    if (w === '-o') {
      i++;
      continue;
    }
    out.push(w);
  }
  out[out.length - 1] = source; // kbuild puts the source last
  return [...out, '-E', '-CC', '-o', output];
}
