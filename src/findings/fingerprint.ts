// Fingerprints that identify a diagnostic without its line number, and the base-vs-patched comparison built on them.

export interface LocatedDiagnostic {
  file?: string;
  line?: number;
  message: string;
}

/** Numbers, quoted line references and column hints change when code moves; the diagnostic does not. */
export function normalizeMessage(message: string): string {
  return message
    .replace(/\bline \d+\b/g, 'line #')
    .replace(/:\d+(:\d+)?\b/g, ':#')
    .replace(/\b0x[0-9a-f]+\b/gi, '#')
    .replace(/\s+/g, ' ')
    .trim();
}

export function fingerprint(d: LocatedDiagnostic, enclosing: string | undefined): string {
  return [d.file ?? '', enclosing ?? '<file scope>', normalizeMessage(d.message)].join(' | ');
}

export interface Comparison<T> {
  /** In the patched tree and not (or not as often) in the base: blamed on the series. */
  introduced: T[];
  /** In the base and not (or less often) in the patched tree: fixed by the series. */
  fixed: T[];
  /** In both: pre-existing, not blamed. */
  existing: T[];
}

/** Multiset difference by fingerprint, so a second copy of an existing warning still counts as new. */
export function compareByFingerprint<T>(
  base: readonly T[],
  patched: readonly T[],
  key: (item: T) => string,
): Comparison<T> {
  const remaining = new Map<string, T[]>();
  for (const item of base) {
    const k = key(item);
    remaining.set(k, [...(remaining.get(k) ?? []), item]);
  }
  const introduced: T[] = [];
  const existing: T[] = [];
  for (const item of patched) {
    const pool = remaining.get(key(item));
    if (pool && pool.length > 0) {
      pool.shift();
      existing.push(item);
    } else introduced.push(item);
  }
  const fixed = [...remaining.values()].flat();
  return { introduced, fixed, existing };
}

export interface ClassifyOptions {
  /**
   * 'count' (compiler and sparse warnings): a second copy of an existing warning is new. 'ignore' (kernel splats):
   * a message the base printed at all is pre-existing, however often either kernel printed it.
   */
  repeats: 'count' | 'ignore';
}

/** Base against patched by key: the one comparison sparse, gcc and the kernel log watchdog share. */
export function classifyAgainstBase<T>(
  base: readonly T[],
  patched: readonly T[],
  key: (item: T) => string,
  options: ClassifyOptions = { repeats: 'count' },
): Comparison<T> {
  if (options.repeats === 'count') return compareByFingerprint(base, patched, key);
  const baseKeys = new Set(base.map(key));
  const patchedKeys = new Set(patched.map(key));
  return {
    introduced: patched.filter((item) => !baseKeys.has(key(item))),
    existing: patched.filter((item) => baseKeys.has(key(item))),
    fixed: base.filter((item) => !patchedKeys.has(key(item))),
  };
}

export type ComparisonKind = keyof Comparison<unknown>;

/**
 * The comparison as findings, in patched order for new and pre-existing ones (new first when both are asked for),
 * then the fixed ones; a kind without a maker gives no findings.
 */
export function comparisonFindings<T, F>(
  comparison: Comparison<T>,
  make: { [K in ComparisonKind]?: (item: T) => F | undefined },
): F[] {
  const out: F[] = [];
  for (const kind of ['introduced', 'fixed', 'existing'] as const) {
    const maker = make[kind];
    if (!maker) continue;
    for (const item of comparison[kind]) {
      const finding = maker(item);
      if (finding !== undefined) out.push(finding);
    }
  }
  return out;
}
