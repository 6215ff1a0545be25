// What changed in the findings between a series' previous version and this one: fixed, new, still there. Pure.
import type { Finding, Results, VersionFinding } from '../results/model.js';
import { normalizeMessage } from '../findings/fingerprint.js';

/** A finding the series is blamed for (warnings and errors it introduced), as the comparison keeps it. */
export function blamed(results: Pick<Results, 'stages'>): VersionFinding[] {
  return results.stages.flatMap((s) =>
    s.findings
      .filter((f: Finding) => f.severity !== 'info' && f.new !== false)
      .map((f) => ({
        stage: s.name,
        severity: f.severity,
        ...(f.type ? { type: f.type } : {}),
        ...(f.file ? { file: f.file } : {}),
        ...(f.line ? { line: f.line } : {}),
        ...(f.config ? { config: f.config } : {}),
        message: f.message.split('\n')[0] ?? '',
      })),
  );
}

/** One finding across versions: its line moves when code above it changes, and numbers in it come and go. */
const identity = (f: VersionFinding) =>
  [f.stage, f.type ?? '', f.file ?? '', f.config ?? '', normalizeMessage(f.message).replace(/\d+/g, '#')].join(' | ');

export interface VersionDelta {
  fixed: VersionFinding[];
  added: VersionFinding[];
  remaining: VersionFinding[];
}

/** The findings of one version and the stages it ran. */
export interface VersionRecord {
  stages: string[];
  findings: VersionFinding[];
}

export function versionRecord(results: Pick<Results, 'stages'>): VersionRecord {
  return { stages: results.stages.map((s) => s.name), findings: blamed(results) };
}

/**
 * Multiset difference: a second copy of a finding that stayed is still one more. A previous finding counts as fixed
 * only where this run ran its stage again (a checkpatch-only run has not fixed the build's findings).
 */
export function compareVersions(previous: VersionRecord, current: VersionRecord): VersionDelta {
  const left = new Map<string, VersionFinding[]>();
  for (const f of previous.findings) left.set(identity(f), [...(left.get(identity(f)) ?? []), f]);
  const added: VersionFinding[] = [];
  const remaining: VersionFinding[] = [];
  for (const f of current.findings) {
    const same = left.get(identity(f));
    if (same?.length) {
      same.shift();
      remaining.push(f);
    } else added.push(f);
  }
  const fixed = [...left.values()].flat().filter((f) => current.stages.includes(f.stage));
  return { fixed, added, remaining };
}
