// Series shape: a cover letter for two or more patches, at most 15 patches, one version and n/N numbering throughout.
import type { Finding } from '../results/model.js';
import type { Series } from '../series/intake.js';

/** Documentation/process/submitting-patches.rst: "no more than 15 or so patches at once". */
export const MAX_PATCHES = 15;

export interface SubjectTag {
  /** The "v2" of "[PATCH v2 1/3]"; 1 when absent. */
  version: number;
  number?: number;
  total?: number;
}

/** Pure: what the bracketed tags of a raw subject say ("[RFC PATCH v3 2/5]"). */
export function parseSubjectTag(rawSubject: string): SubjectTag {
  const tags = [...rawSubject.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1]!).join(' ');
  const version = /(?:^|\s)v(\d+)(?:\s|$)/i.exec(tags);
  const nn = /(?:^|\s)(\d+)\/(\d+)(?:\s|$)/.exec(tags);
  return { version: version ? Number(version[1]) : 1, ...(nn ? { number: Number(nn[1]), total: Number(nn[2]) } : {}) };
}

export interface ShapeReport {
  version: number;
  needsCoverLetter: boolean;
  findings: Finding[];
}

/** Pure: the shape findings of a series, and the version its mails should carry. */
export function checkShape(series: Series, coverLetterRawSubject?: string): ShapeReport {
  const findings: Finding[] = [];
  const add = (severity: Finding['severity'], type: string, message: string, patch?: number) =>
    findings.push({ tool: 'readiness', severity, type, message, new: true, ...(patch ? { patch } : {}) });
  const n = series.patches.length;
  if (n > MAX_PATCHES)
    add('warning', 'TOO_MANY_PATCHES', `${n} patches in one series; send at most ${MAX_PATCHES} at a time`);

  const tags = series.patches.map((p) => parseSubjectTag(p.rawSubject));
  const cover = coverLetterRawSubject !== undefined ? parseSubjectTag(coverLetterRawSubject) : undefined;
  const versions = [...new Set([...tags.map((t) => t.version), ...(cover ? [cover.version] : [])])];
  if (versions.length > 1)
    add(
      'warning',
      'INCONSISTENT_VERSION',
      `the mails carry different versions (${versions.map((v) => `v${v}`).join(', ')}): ` +
        'every mail of a series has the same [PATCH vN] tag',
    );
  for (const [i, t] of tags.entries()) {
    const p = series.patches[i]!;
    if (n > 1 && t.number === undefined)
      add('warning', 'MISSING_PATCH_NUMBER', `patch ${p.index} has no n/${n} in its tag ("${p.rawSubject}")`, p.index);
    else if (t.number !== undefined && (t.number !== p.index || t.total !== n)) {
      add(
        'warning',
        'BAD_PATCH_NUMBER',
        `patch ${p.index} is tagged ${t.number}/${t.total}, but it is patch ${p.index} of ${n}`,
        p.index,
      );
    }
  }
  return { version: Math.max(...versions), needsCoverLetter: n >= 2 && !series.coverLetter, findings };
}
