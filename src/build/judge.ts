// Pure: the verdict of one build cell, from the record of what its makes printed and left behind. The rules a
// maintainer changes ("is a warning new or fixed?", "was every changed file compiled?") live here, unit-tested on
// captured build logs.
import type { FailOn, Finding, StageStatus } from '../results/model.js';
import { statusFromFindings } from '../results/verdict.js';
import { classifyAgainstBase, comparisonFindings } from '../findings/fingerprint.js';
import type { Located } from '../findings/locate.js';
import type { Patch } from '../series/intake.js';
import { onlyPatchTouching } from '../series/touched.js';
import type { AdditionsOutcome } from './series-config.js';
import type { FileLines } from './line-proof.js';
import { tally } from './line-judge.js';

/** A fragment symbol olddefconfig did not keep. */
export interface DroppedSymbol {
  symbol: string;
  wanted: string;
  got: string;
  /** The tree has the symbol at all (else the fragment asks for one this kernel does not know). */
  defined: boolean;
}

export interface BuildRecord {
  cell: string;
  /** The fragment's file name, for the findings. */
  fragment: string;
  /** A make that stopped the cell before its patched build: why, in one line. */
  stopped?: { phase: 'configure' | 'base'; failure: string };
  dropped: DroppedSymbol[];
  additions: AdditionsOutcome;
  /** The touched files' objects this cell's .config builds. */
  objects: string[];
  /** Diagnostics of the base build (image, then the touched objects with W=1), and of the patched one. */
  base: Located[];
  patched: Located[];
  /** Intermediate trees that did not compile what the series had touched so far. */
  bisect: { patch: number; failure: string }[];
  /** The patched image's make: why it failed, when it did. */
  patchedImage: { ok: boolean; timedOut: boolean; failure?: string };
  /** When the patched makes began, and each object's mtime after them (undefined: no object). */
  changedAt: number;
  objectMtimes: Record<string, number | undefined>;
  /** What this cell's preprocessor kept of each changed file's added lines. */
  lines: ReadonlyMap<string, FileLines>;
  /** ccache's share of the patched build's compiles, when counted. */
  ccacheHitRate?: number;
}

export interface BuildJudgement {
  status: StageStatus;
  summary: string;
  findings: Finding[];
  /** The touched .c files whose object this cell rebuilt after the change. */
  compiled: string[];
  /** The changed lines, each file not built with the reason. */
  lines: Map<string, FileLines>;
}

/** Why this cell does not build a changed file: the Kconfig reason of its symbols, when we asked for them. */
function notBuiltBecause(file: string, outcome: AdditionsOutcome): string {
  const refused = outcome.refused.filter((r) => r.files.includes(file));
  if (!refused.length) return 'its object is not built in this config';
  return refused.map((r) => `CONFIG_${r.symbol} stays off: ${r.reason}`).join('; ');
}

function configFindings(record: BuildRecord): Finding[] {
  const findings: Finding[] = record.dropped.map((d) => {
    const why = d.defined
      ? `is ${d.got === 'n' ? 'off' : d.got} after olddefconfig (a dependency is missing or it is selected otherwise)`
      : 'does not exist in this tree';
    // not the series' doing (new: false), but the cell does not test what it claims: a reviewer must see it
    const message = `CONFIG_${d.symbol}=${d.wanted} asked by ${record.fragment} ${why}`;
    return { tool: 'kbuild', severity: 'warning', type: 'CONFIG_DROPPED', new: false, message };
  });
  const { added, refused } = record.additions;
  if (added.length) {
    const message = `added for the series: ${added.map((s) => `CONFIG_${s}`).join(', ')}`;
    findings.push({ tool: 'kbuild', severity: 'info', type: 'CONFIG_FOR_SERIES', message });
  }
  for (const r of refused) {
    const message = `CONFIG_${r.symbol} (for ${r.files.join(', ')}) stays off: ${r.reason}`;
    findings.push({ tool: 'kbuild', severity: 'info', type: 'CONFIG_NOT_ENABLED', message });
  }
  return findings;
}

/**
 * Only what the series introduced is blamed. The patched build recompiles only what changed, so a base warning
 * missing from it is fixed only if its file is one the series changed (and so was recompiled); the others were
 * simply not printed again.
 */
function diagnosticFindings(
  record: BuildRecord,
  patches: readonly Patch[],
): { findings: Finding[]; counts: Record<'introduced' | 'fixed' | 'existing', number>; firstError?: Located } {
  const changedFiles = new Set(patches.flatMap((p) => p.files.map((f) => f.path)));
  const comparison = classifyAgainstBase(record.base, record.patched, (d) => d.key);
  comparison.fixed = comparison.fixed.filter((d) => changedFiles.has(d.file));
  const tool = (d: Located): Finding['tool'] => (d.fromLinker ? 'kbuild' : 'gcc');
  const at = (d: Located) => ({ file: d.file, ...(d.line ? { line: d.line } : {}) });
  const newType = (d: Located) =>
    d.fromLinker ? 'LINK_ERROR' : d.severity === 'error' ? 'COMPILE_ERROR' : 'COMPILER_WARNING';
  const findings = comparisonFindings<Located, Finding>(comparison, {
    introduced: (d) => ({
      tool: tool(d),
      severity: d.severity,
      type: newType(d),
      message: d.message,
      ...at(d),
      patch: onlyPatchTouching(patches, d.file),
      new: true,
    }),
    fixed: (d) => ({
      tool: tool(d),
      severity: 'info',
      type: 'WARNING_FIXED',
      message: `fixed: ${d.message}`,
      ...at(d),
      new: false,
    }),
    existing: (d) => ({
      tool: tool(d),
      severity: d.severity,
      type: 'COMPILER_WARNING',
      message: d.message,
      ...at(d),
      new: false,
    }),
  });
  const counts = {
    introduced: comparison.introduced.length,
    fixed: comparison.fixed.length,
    existing: comparison.existing.length,
  };
  const firstError = comparison.introduced.find((d) => d.severity === 'error');
  return { findings, counts, ...(firstError ? { firstError } : {}) };
}

/** The proof of compile: a touched object rebuilt after the change began (a second of slack for coarse mtimes). */
export function rebuiltAfterChange(record: Pick<BuildRecord, 'objects' | 'objectMtimes' | 'changedAt'>): string[] {
  return record.objects
    .filter((o) => (record.objectMtimes[o] ?? -Infinity) >= record.changedAt - 1000)
    .map((o) => o.replace(/\.o$/, '.c'));
}

export function judgeBuildCell(record: BuildRecord, patches: readonly Patch[], failOn: FailOn): BuildJudgement {
  const findings = configFindings(record);
  const lines = new Map(record.lines);
  const finish = (status: StageStatus, summary: string, compiled: string[] = []): BuildJudgement => ({
    status,
    summary,
    findings: findings.map((f) => ({ ...f, config: record.cell })),
    compiled,
    lines,
  });
  if (record.stopped?.phase === 'configure') return finish('error', `configuration failed: ${record.stopped.failure}`);
  if (record.stopped) return finish('error', `the base tree does not build: ${record.stopped.failure}`);

  // bisectability: every intermediate tree must compile what the series touched so far
  for (const b of record.bisect) {
    const message = `the tree after patch ${b.patch} does not build on its own: ${b.failure}`;
    findings.push({ tool: 'gcc', severity: 'error', type: 'BISECT_BUILD', patch: b.patch, new: true, message });
  }
  const diagnostics = diagnosticFindings(record, patches);
  findings.push(...diagnostics.findings);

  const compiled = rebuiltAfterChange(record);
  for (const [file, l] of lines) if (!l.built) lines.set(file, { ...l, why: notBuiltBecause(file, record.additions) });
  const lineTally = tally(lines);
  const { added } = record.additions;
  const addedSummary = added.length ? `; added for the series: ${added.map((s) => `CONFIG_${s}`).join(', ')}` : '';

  if (!record.patchedImage.ok) {
    const first = diagnostics.firstError;
    const failure = record.patchedImage.failure ?? 'make failed';
    if (!first) {
      const message = `the patched tree does not build: ${failure}`;
      findings.push({ tool: 'kbuild', severity: 'error', type: 'BUILD_FAILED', new: true, message });
    }
    const where = first ? `${first.file}${first.line ? `:${first.line}` : ''}: ${first.message}` : failure;
    return finish(record.patchedImage.timedOut ? 'error' : 'fail', `build failed: ${where}${addedSummary}`, compiled);
  }
  const { introduced, fixed, existing } = diagnostics.counts;
  const rate = record.ccacheHitRate;
  const summary =
    `${introduced} new, ${fixed} fixed, ${existing} pre-existing warnings; ` +
    `${compiled.length}/${record.objects.length} changed objects rebuilt, ` +
    `${lineTally.compiled}/${lineTally.total} changed lines compiled${addedSummary}` +
    `${rate !== undefined ? `; ccache ${(rate * 100).toFixed(0)}% hits` : ''}`;
  return finish(statusFromFindings(findings, failOn), summary, compiled);
}
