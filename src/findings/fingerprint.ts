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
export function compareByFingerprint<T>(base: readonly T[], patched: readonly T[], key: (item: T) => string): Comparison<T> {
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
