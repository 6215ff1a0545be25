// What the Action needs of its runner before the first long step: Linux (QEMU, KVM, apt and the kernel build all are)
// and Node 20 or later (the oldest line @actions/core and octokit support).
export const MIN_NODE_MAJOR = 20;

export interface RunnerFacts {
  /** process.platform */
  platform: string;
  /** process.versions.node, e.g. "20.20.2" */
  node: string;
  /** $RUNNER_OS when the runner says it (Linux, macOS, Windows) */
  runnerOs?: string;
}

/** One line saying why this runner cannot run the Action, or undefined when it can. */
export function runnerProblem(facts: RunnerFacts): string | undefined {
  const os = facts.runnerOs || facts.platform;
  if (facts.platform !== 'linux')
    return `kernel-patch-ci runs on Linux runners only (this one is ${os}): use runs-on: ubuntu-24.04`;
  const major = Number(/^v?(\d+)/.exec(facts.node)?.[1] ?? NaN);
  if (!(major >= MIN_NODE_MAJOR))
    return `kernel-patch-ci needs Node ${MIN_NODE_MAJOR} or later, this runner has ${facts.node}`;
  return undefined;
}
