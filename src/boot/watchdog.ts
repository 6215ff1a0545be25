// Pure: find kernel splats in a console (WARN, BUG, Oops, lockdep, KASAN, sleeping in atomic context, preempt
// count complaints), cut each into an excerpt, name the functions in it and the scenario that was running.
import { kernelMessage, runningAt, type ConsoleReport } from './console.js';
import { functionBodies } from '../kernel/cfunc.js';
import type { ChangedFunction } from '../series/changed.js';

export interface Splat {
  /** Console line index of the first line. */
  line: number;
  title: string;
  excerpt: string[];
  /** Functions on the faulting IP line and in the call trace, innermost first. With the guessing unwinder most
   *  frames are "? name+off/len": uncertain, but still where the kernel found return addresses into the code. */
  functions: string[];
  /** The scenario running when it was printed ("a and b" when both queues were in one); "boot" before our init
   *  ran, "shutdown" after the end marker. */
  scenario: string;
}

const TRIGGERS: RegExp[] = [
  /^WARNING: /,
  /^BUG: /,
  /\bOops\b/,
  /^Kernel panic/,
  /scheduling while atomic/,
  /sleeping function called from invalid context/,
  /possible (recursive|circular) locking/,
  /inconsistent lock state/,
  /DEBUG_LOCKS_WARN_ON/,
  /suspicious RCU usage/,
  /KASAN: /,
  /preempt[ _]count|preemption imbalance/,
  /^kernel BUG at /,
];

const END = /^---\[ end (trace|Kernel panic)/;
const FRAME = /(?:RIP: [0-9a-f]+:|EIP: |^\s+(?:\? )?)([A-Za-z_][\w.]*)\+0x[0-9a-f]+\/0x[0-9a-f]+/;
const MAX_EXCERPT = 60;

export function isTrigger(message: string): boolean {
  return TRIGGERS.some((re) => re.test(message));
}

function scenarioAt(report: ConsoleReport, line: number): string {
  const running = runningAt(report, line);
  if (running.length) return running.map((s) => s.name).join(' and ');
  if (
    report.initLine === undefined ||
    line < report.initLine ||
    report.scenarios.length === 0 ||
    line < report.scenarios[0]!.firstLine
  )
    return 'boot';
  if (report.endLine !== undefined && line > report.endLine) return 'shutdown';
  // between two scenarios: late messages of the one that just finished (its cleanup's deferred work)
  return report.scenarios.filter((s) => s.endLine <= line).sort((a, b) => b.endLine - a.endLine)[0]?.name ?? 'shutdown';
}

export function findSplats(report: ConsoleReport): Splat[] {
  const splats: Splat[] = [];
  const { lines } = report;
  for (let i = 0; i < lines.length; i++) {
    const message = kernelMessage(lines[i]!);
    if (message === undefined || !isTrigger(message)) continue;
    const excerpt = [message];
    let j = i + 1;
    for (; j < lines.length && excerpt.length < MAX_EXCERPT; j++) {
      const next = kernelMessage(lines[j]!);
      if (next === undefined) continue; // our own lines interleave with the kernel's; they are not part of it
      excerpt.push(next);
      if (END.test(next)) break;
    }
    const functions: string[] = [];
    for (const l of excerpt) {
      const m = FRAME.exec(l);
      if (m && !functions.includes(m[1]!)) functions.push(m[1]!);
    }
    // "DEBUG_LOCKS_WARN_ON(…)" comes before the "WARNING: … at file:line func" that says where
    const headline =
      excerpt.slice(0, 4).find((l) => /^(WARNING|BUG|kernel BUG|Oops|Kernel panic)\b/.test(l)) ?? message;
    splats.push({
      line: i,
      title: headline.trim().replace(/(\.\.\/)+linux\//g, ''),
      excerpt,
      functions,
      scenario: scenarioAt(report, i),
    });
    i = j; // lines inside one report (a lockdep report prints several headers) do not start another
  }
  return splats;
}

/**
 * What stays the same when the same splat happens on another boot: addresses, pids, counts and CPUs removed. Not
 * the scenario: with two queues side by side, which scenarios overlap the splat varies from boot to boot.
 */
export function splatKey(splat: Splat): string {
  const title = splat.title
    .replace(/0x[0-9a-f]+/gi, 'N')
    .replace(/\b\d+\b/g, 'N')
    .replace(/\/N(\/N)*/g, '/N')
    .replace(/\s+/g, ' ');
  return `${title}|${splat.functions.slice(0, 3).join(',')}`;
}

export interface Blame {
  fn: ChangedFunction;
  /** The function in the trace that calls fn, when fn itself is not in it (inlined, or the splat comes later in
   *  its caller: a preempt count left wrong trips the caller's spin_unlock). */
  via?: string;
}

/**
 * Pure: the changed function a splat is about: one in its call trace, or else one called from a function in its
 * trace (whose body, in a changed file's source, calls it).
 */
export function blameChanged(
  splat: Splat,
  changed: readonly ChangedFunction[],
  sources: ReadonlyMap<string, string>,
): Blame | undefined {
  for (const name of splat.functions) {
    const fn = changed.find((c) => c.name === name);
    if (fn) return { fn };
  }
  for (const name of splat.functions) {
    for (const [file, source] of sources) {
      const body = functionBodies(source).find((b) => b.name === name);
      if (!body) continue;
      const text = source
        .split('\n')
        .slice(body.start - 1, body.end)
        .join('\n');
      const fn = changed.find(
        (c) => c.file === file && c.name !== name && new RegExp(`\\b${c.name}\\s*\\(`).test(text),
      );
      if (fn) return { fn, via: name };
    }
  }
  return undefined;
}
