// The line instrumenter and the condition finder on real C files of both trees, with gcc's preprocessor as the
// oracle. Every code line of a file is marked; the marked copy (its #includes, #errors and function-like macros
// blanked, so it needs no headers and no macro can drop a marker) is preprocessed with -E -CC under several choices
// of the CONFIG_ symbols its directives test. For each marked line whose conditions this test can evaluate on its
// own (#ifdef/#ifndef X, #if over defined() and 0/1, an #else with no #elif before it), gcc must keep the marker
// exactly when every enclosing branch is taken; a line with no enclosing condition must be kept in every
// configuration. KPCI_EXHAUSTIVE=1 adds all of drivers/md (about 8 minutes for both trees).
import { beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  enclosingConditions,
  instrumentLines,
  keptLines,
  symbolsIn,
  type Condition,
} from '../../src/kernel/cpp-lines.js';
import { TREES, unpackedTree } from '../helpers/trees.js';

const EXHAUSTIVE = process.env.KPCI_EXHAUSTIVE === '1';
// snapshot.c: #ifdef CONFIG_HIGHMEM blocks; dm-kcopyd.c: an #if 0 block; raid0.c: lines ending in a division sign
const NAMED = ['kernel/power/snapshot.c', 'drivers/md/dm-kcopyd.c', 'drivers/md/raid0.c'];
const MORE = EXHAUSTIVE ? ['kernel/power', 'drivers/md'] : ['kernel/power'];

const IS_ENABLED = ['IS_ENABLED', 'IS_BUILTIN', 'IS_REACHABLE'].map((m) => `-D${m}(x)=(x)`);

/** The lines gcc kept the markers of, with these CONFIG_ symbols defined. */
function gccKept(text: string, on: readonly string[]): Set<number> {
  const out = execFileSync(
    'gcc',
    [
      '-E',
      '-CC',
      '-P',
      '-ffreestanding',
      '-x',
      'c',
      ...IS_ENABLED,
      '-DIS_MODULE(x)=0',
      ...on.map((s) => `-DCONFIG_${s}=1`),
      '-',
      '-o',
      '-',
    ],
    { input: text, encoding: 'utf8', maxBuffer: 1 << 28 },
  );
  return keptLines(out);
}

/**
 * The marked copy with #include, #error and #warning lines blanked, and the file's function-like macros (their
 * continuation lines too): none of these lines is ever marked, and without them no macro can swallow a marker
 * (dm-integrity.c's DEBUG_print(x, ...) is "do { } while (0)" without DEBUG_PRINT), so only the branches decide.
 */
function headerless(text: string): string {
  let inMacro = false;
  return text
    .split('\n')
    .map((l) => {
      const blank = inMacro || /^\s*#\s*(include|error|warning)\b|^\s*#\s*define\s+\w+\(/.test(l);
      inMacro = blank && /\\\s*$/.test(l);
      return blank ? '' : l;
    })
    .join('\n');
}

/** Whether a branch is taken with `on` defined: true, false, or undefined when this test cannot tell. */
function taken(branch: Condition, on: ReadonlySet<string>, lines: readonly string[]): boolean | undefined {
  const m = /^#(ifdef|ifndef|if|elif|else)\b\s*(.*)$/.exec(branch.text)!;
  const [kind, rest] = [m[1]!, m[2]!];
  const defined = (name: string) => (name.startsWith('CONFIG_') ? on.has(name.slice(7)) : undefined);
  if (kind === 'ifdef') return defined(rest);
  if (kind === 'ifndef') return defined(rest) === undefined ? undefined : !defined(rest);
  if (kind === 'else') {
    const between = lines.slice(branch.opening!.line, branch.line - 1);
    if (between.some((l) => /^\s*#\s*elif\b/.test(l))) return undefined;
    const opening = taken(branch.opening as Condition, on, lines);
    return opening === undefined ? undefined : !opening;
  }
  if (kind === 'elif') return undefined;
  const expr = rest.replace(
    /(?:defined|IS_ENABLED|IS_BUILTIN)\s*\(\s*(\w+)\s*\)|defined\s+(\w+)/g,
    (_, a?: string, b?: string) => {
      const d = defined((a ?? b)!);
      return d === undefined ? 'unknown' : d ? '1' : '0';
    },
  );
  if (!/^[01\s()!&|]+$/.test(expr)) return undefined;
  return Boolean(Function(`return (${expr});`)());
}

function verdict(
  conditions: readonly Condition[],
  on: ReadonlySet<string>,
  lines: readonly string[],
): boolean | undefined {
  const each = conditions.map((c) => taken(c, on, lines));
  if (each.includes(false)) return false;
  return each.includes(undefined) ? undefined : true;
}

/** The symbol choices: every subset of up to 5 symbols, otherwise none, all, each alone and all but each. */
function choices(symbols: readonly string[]): string[][] {
  if (symbols.length <= 5)
    return Array.from({ length: 1 << symbols.length }, (_, bits) => symbols.filter((_, i) => bits & (1 << i)));
  return [[], [...symbols], ...symbols.map((s) => [s]), ...symbols.map((s) => symbols.filter((o) => o !== s))];
}

interface Outcome {
  marked: number;
  judged: number;
  disagreements: string[];
}

function checkFile(source: string, file: string): Outcome {
  const lines = source.split('\n');
  const { text, marked } = instrumentLines(
    source,
    lines.map((_, i) => i + 1),
  );
  const conditions = new Map(marked.map((l) => [l, enclosingConditions(source, l)]));
  const symbols = [...new Set(lines.filter((l) => /^\s*#\s*(if|elif)/.test(l)).flatMap(symbolsIn))];
  const prepared = headerless(text);
  const judged = new Set<number>();
  const disagreements: string[] = [];
  for (const on of choices(symbols)) {
    const kept = gccKept(prepared, on);
    const set = new Set(on);
    for (const line of marked) {
      const expected = verdict(conditions.get(line)!, set, lines);
      if (expected === undefined) continue;
      judged.add(line);
      if (kept.has(line) !== expected) {
        const where =
          conditions
            .get(line)!
            .map((c) => `${c.text}@${c.line}`)
            .join(' < ') || 'no condition';
        disagreements.push(
          `${file}:${line} with {${on.join(',')}}: gcc ${kept.has(line) ? 'kept' : 'dropped'} it, inside ${where}`,
        );
      }
    }
  }
  return { marked: marked.length, judged: judged.size, disagreements };
}

function cFilesUnder(dir: string, sub: string): string[] {
  const out = execFileSync('find', [sub, '-name', '*.c', '-type', 'f'], { cwd: dir, encoding: 'utf8' });
  return out.split('\n').filter(Boolean).sort();
}

describe.each(TREES)('instrumentLines and enclosingConditions on linux-source-$version', (t) => {
  // a cold cache unpacks the tree first (minutes), not inside a test's 5 s
  beforeAll(() => unpackedTree(t), 900_000);
  test(
    'around swap_two_pages_data() in kernel/power/snapshot.c ' + 'the innermost condition is #ifdef CONFIG_HIGHMEM',
    async () => {
      const dir = await unpackedTree(t);
      const source = readFileSync(path.join(dir, 'kernel/power/snapshot.c'), 'utf8');
      const lines = source.split('\n');
      const def = lines.findIndex((l) => l.startsWith('static inline void swap_two_pages_data(')) + 1;
      // the last # line above
      const open = def - [...lines.slice(0, def)].reverse().findIndex((l) => l.startsWith('#'));
      const close = lines.findIndex((l, i) => i >= def && l.startsWith('#')) + 1;
      expect([lines[open - 1], lines[close - 1]]).toEqual(['#ifdef CONFIG_HIGHMEM', '#endif /* CONFIG_HIGHMEM */']);
      const { marked } = instrumentLines(
        source,
        lines.map((_, i) => i + 1),
      );
      const inside = marked.filter((l) => l > open && l < close);
      expect(inside.length).toBeGreaterThan(25); // swap_two_pages_data() and restore_highmem()
      for (const l of inside)
        expect(enclosingConditions(source, l)).toEqual([{ text: '#ifdef CONFIG_HIGHMEM', line: open }]);
      // the hibernation image code just after it is under no condition, nor is the code after the file's first #endif
      expect(
        enclosingConditions(
          source,
          marked.find((l) => l > close)!,
        ),
      ).toEqual([]);
      const firstEndif = lines.findIndex((l) => l.startsWith('#endif /* CONFIG_STRICT_KERNEL_RWX')) + 1;
      expect(firstEndif).toBeGreaterThan(40);
      expect(
        enclosingConditions(
          source,
          marked.find((l) => l > firstEndif)!,
        ),
      ).toEqual([]);
      expect(enclosingConditions(source, firstEndif - 1)[0]?.text).toBe('#else');
    },
  );

  test('kcopyd_cancel() in drivers/md/dm-kcopyd.c is inside #if 0, and gcc keeps none of its lines', async () => {
    const dir = await unpackedTree(t);
    const source = readFileSync(path.join(dir, 'drivers/md/dm-kcopyd.c'), 'utf8');
    const lines = source.split('\n');
    const open = lines.indexOf('#if 0') + 1;
    const close = lines.findIndex((l, i) => i >= open && l.startsWith('#endif')) + 1;
    const { text, marked } = instrumentLines(
      source,
      lines.map((_, i) => i + 1),
    );
    const inside = marked.filter((l) => l > open && l < close);
    expect(inside.map((l) => lines[l - 1]!.trim())).toEqual([
      'int kcopyd_cancel(struct kcopyd_job *job, int block)',
      '{',
      'return -1;',
      '}',
    ]);
    for (const l of inside) expect(enclosingConditions(source, l)).toEqual([{ text: '#if 0', line: open }]);
    const kept = gccKept(headerless(text), []);
    expect(inside.filter((l) => kept.has(l))).toEqual([]);
    expect(marked.filter((l) => !kept.has(l))).toEqual(inside); // the rest of the file is compiled
  });

  test('lines ending in a division sign keep their markers through gcc, in a macro argument too', async () => {
    const dir = await unpackedTree(t);
    const raid0 = readFileSync(path.join(dir, 'drivers/md/raid0.c'), 'utf8');
    const divisions = raid0.split('\n').flatMap((l, i) => (/stripe_size\) \/$/.test(l) ? [i + 1] : []));
    expect(divisions).toHaveLength(2);
    const plain = instrumentLines(raid0, divisions);
    expect(plain.marked).toEqual(divisions);
    expect([...gccKept(headerless(plain.text), [])].sort((a, b) => a - b)).toEqual(divisions);
    // vmxnet3_adjust_rx_ring_size(): "ring0_size = min_t(u32, ring0_size, VMXNET3_RX_RING_MAX_SIZE /"; in a macro
    // argument gcc -CC rewrites a // comment, so a marker glued to the "/" would come out as "/**kpci:N*|*/"
    const vmxnet3 = readFileSync(path.join(dir, 'drivers/net/vmxnet3/vmxnet3_drv.c'), 'utf8').split('\n');
    const at = vmxnet3.findIndex((l) => l.endsWith('min_t(u32, ring0_size, VMXNET3_RX_RING_MAX_SIZE /'));
    expect(at).toBeGreaterThan(0);
    const snippet = [
      '#define min_t(type, x, y) ((type)(x) < (type)(y) ? (type)(x) : (type)(y))',
      'void f(void)',
      '{',
      ...vmxnet3.slice(at, at + 2),
      '}',
    ].join('\n');
    const macro = instrumentLines(snippet, [4, 5]);
    expect(macro.marked).toEqual([4, 5]);
    expect([...gccKept(macro.text, [])].sort()).toEqual([4, 5]);
  });

  test('for every marked line, gcc keeps it exactly when its enclosing branches are taken', async () => {
    const dir = await unpackedTree(t);
    const files = [...new Set([...NAMED, ...MORE.flatMap((d) => cFilesUnder(dir, d))])];
    let marked = 0;
    let judged = 0;
    const disagreements: string[] = [];
    for (const file of files) {
      const outcome = checkFile(readFileSync(path.join(dir, file), 'utf8'), file);
      marked += outcome.marked;
      judged += outcome.judged;
      disagreements.push(...outcome.disagreements);
    }
    expect(disagreements.slice(0, 20)).toEqual([]);
    // most lines are judged (the rest sit under #if conditions over other macros, such as BITS_PER_LONG == 32)
    expect(judged).toBeGreaterThan(marked * 0.9);
    expect(files.length).toBeGreaterThan(NAMED.length + 5);
  }, 300_000);
});
