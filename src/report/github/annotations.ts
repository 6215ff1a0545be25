// Which findings become workflow annotations: the new ones with a file, most important first, within GitHub's caps
// (10 per level per step, 50 per job). Pure: the action entry emits them with core.error/warning/notice.
import { STAGE_ORDER, type Finding, type Results, type Severity } from '../../results/model.js';

export type AnnotationLevel = 'error' | 'warning' | 'notice';
export interface Annotation {
  level: AnnotationLevel;
  message: string;
  title: string;
  file?: string;
  line?: number;
}
export interface AnnotationSelection {
  annotations: Annotation[];
  omitted: Record<AnnotationLevel, number>;
}

const LEVELS: readonly AnnotationLevel[] = ['error', 'warning', 'notice'];
const LEVEL_OF: Record<Severity, AnnotationLevel> = { error: 'error', warning: 'warning', info: 'notice' };

/** `checkpatch: TRAILING_WHITESPACE (patch 1)`, `gcc (x86_64-dm)` */
export function annotationTitle(f: Finding): string {
  const tags = [f.patch ? `patch ${f.patch}` : '', f.config ?? ''].filter(Boolean).join(', ');
  return `${f.tool}${f.type ? `: ${f.type}` : ''}${tags ? ` (${tags})` : ''}`;
}

const isSplat = (f: Finding) => f.tool === 'kernel' || f.type === 'KERNEL_SPLAT';

export function selectAnnotations(
  results: Results,
  caps: { perLevel?: number; perJob?: number } = {},
): AnnotationSelection {
  const perLevel = caps.perLevel ?? 10;
  const perJob = caps.perJob ?? 50;
  const candidates = results.stages
    .flatMap((stage) => stage.findings.map((f, i) => ({ f, stage: STAGE_ORDER.indexOf(stage.name), i })))
    .filter(({ f }) => f.file && f.new !== false)
    .map((c) => ({ ...c, level: LEVEL_OF[c.f.severity] }))
    .sort(
      (a, b) =>
        LEVELS.indexOf(a.level) - LEVELS.indexOf(b.level) ||
        a.stage - b.stage ||
        Number(isSplat(b.f)) - Number(isSplat(a.f)) ||
        Number(b.f.new === true) - Number(a.f.new === true) ||
        a.i - b.i,
    );

  const annotations: Annotation[] = [];
  const taken: Record<AnnotationLevel, number> = { error: 0, warning: 0, notice: 0 };
  const omitted: Record<AnnotationLevel, number> = { error: 0, warning: 0, notice: 0 };
  for (const { f, level } of candidates) {
    if (taken[level] >= perLevel || annotations.length >= perJob) {
      omitted[level]++;
      continue;
    }
    taken[level]++;
    annotations.push({
      level,
      title: annotationTitle(f),
      message: f.message,
      file: f.file,
      ...(f.line ? { line: f.line } : {}),
    });
  }
  return { annotations, omitted };
}
