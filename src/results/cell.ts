// A judged cell as the results model reports it, the same for the build and boot stages.
import type { BootCellMetrics, BuildCellMetrics, CellResult, StageStatus } from './model.js';

export interface CellFacts {
  durationMs: number;
  metrics: BuildCellMetrics | BootCellMetrics;
  artifacts: string;
}

/** The reproduce lines are made only for a cell that failed or errored: nobody reruns a passing one. */
export function judgedCell(
  config: string,
  judged: { status: StageStatus; summary: string },
  facts: CellFacts,
  reproduce: () => string[],
): CellResult {
  const broke = judged.status === 'fail' || judged.status === 'error';
  return {
    config,
    status: judged.status,
    summary: judged.summary,
    ...facts,
    ...(broke ? { reproduce: reproduce() } : {}),
  };
}
