// What each stage needs on the host, asked once up front: `doctor` prints it, and `run` checks it before its first
// long step, so a missing QEMU is reported before the builds rather than after them.
import type { StageName } from '../results/model.js';
import { toolchainFor } from '../kernel/toolchain.js';
import { execTool } from '../tools/exec.js';
import { ARCHES } from '../kernel/arches.js';

export interface ToolNeed {
  command: string;
  args: string[];
  pkg: string;
  /** Without it the stage cannot run; an optional tool only loses a part (readiness's lint without spatch). */
  required: boolean;
  why: string;
}

const tool = (command: string, pkg: string, why: string, required = true, args = ['--version']): ToolNeed => ({
  command,
  args,
  pkg,
  required,
  why,
});

/** Per stage, the commands it runs; the build's compiler and the boot's QEMU depend on the cells' arches. */
export function stageNeeds(stage: StageName, arches: readonly string[]): ToolNeed[] {
  switch (stage) {
    case 'apply':
      return [tool('git', 'git', 'git am, worktrees')];
    case 'checkpatch':
      return [tool('perl', 'perl', "the tree's scripts/checkpatch.pl")];
    case 'sparse':
      return [
        tool('sparse', 'sparse', 'make C=1'),
        tool('gcc', 'gcc', 'the kernel build'),
        tool('make', 'make', 'kbuild'),
      ];
    case 'build':
      return [
        tool('gcc', 'gcc', 'the kernel build'),
        tool('make', 'make', 'kbuild'),
        tool('ccache', 'ccache', 'CC=ccache gcc'),
        tool('flex', 'flex', 'Kconfig and dtc'),
        tool('bison', 'bison', 'Kconfig and dtc'),
        tool('bc', 'bc', 'kernel/time/timeconst.bc'),
      ];
    case 'boot':
      return [
        // an arch with no QEMU here is its cell's own error (the boot stage says so), not every cell's
        ...[...new Set(arches)].flatMap((a) => {
          const guest = ARCHES[a]?.guest;
          return guest ? [tool(guest.qemuBinary, guest.qemuPackage, `the ${a} guests`)] : [];
        }),
        tool('cpio', 'cpio', 'the initramfs'),
        tool('apt-get', 'apt', 'the guest packages'),
        tool('dpkg-deb', 'dpkg', 'the guest packages'),
        tool('gcov', 'gcc', 'coverage of the changed functions', false),
        // without them the maintainers' suites are reported unavailable and the scenarios still run
        tool('dpkg-source', 'dpkg-dev', "the maintainers' suites (Debian sources)", false),
        tool('mke2fs', 'e2fsprogs', "the maintainers' suites (their disk)", false, ['-V']),
      ];
    case 'readiness':
      return [
        tool('spatch', 'coccinelle', 'the kmap_local lint', false),
        tool('perl', 'perl', "the tree's scripts/get_maintainer.pl"),
      ];
  }
}

export interface ToolCheck {
  stage: StageName;
  command: string;
  required: boolean;
  why: string;
  /** The first line of its --version, when it is there. */
  version?: string;
  /** Why it cannot be used: "qemu-system-i386 is not installed (Debian package: qemu-system-x86)". */
  problem?: string;
  /** Needed by some cells only (a cross compiler): its absence is those cells' error, the others still build. */
  perCell?: boolean;
}

const versionCache = new Map<string, Promise<{ version?: string; problem?: string }>>();

function probe(need: ToolNeed): Promise<{ version?: string; problem?: string }> {
  let p = versionCache.get(need.command);
  if (!p) {
    p = execTool(need.command, need.args, { timeoutMs: 20_000 }).then(
      (r) => ({
        version:
          `${r.stdout}\n${r.stderr}`
            .split('\n')
            .map((l) => l.trim())
            .find(Boolean) ?? `exit ${r.code}`,
      }),
      () => ({ problem: `${need.command} is not installed (Debian package: ${need.pkg})` }),
    );
    versionCache.set(need.command, p);
  }
  return p;
}

/** Every tool the stages need, checked (in parallel); cross compilers for the build's arches too. */
export async function checkStages(stages: readonly StageName[], arches: readonly string[]): Promise<ToolCheck[]> {
  versionCache.clear(); // a run sees this moment's PATH, not an earlier one's
  const checks = stages.flatMap((stage) =>
    stageNeeds(stage, arches).map(async (need): Promise<ToolCheck> => ({
      stage,
      command: need.command,
      required: need.required,
      why: need.why,
      ...(await probe(need)),
    })),
  );
  const compilers = stages.includes('build')
    ? [...new Set(arches)].map(async (arch): Promise<ToolCheck> => {
        const t = await toolchainFor(arch);
        return {
          stage: 'build',
          command: `compiler for ARCH=${arch}`,
          required: true,
          perCell: true,
          why: `the ${arch} cells`,
          ...(t.ok ? { version: t.crossCompile ? `${t.crossCompile}gcc` : 'the host gcc' } : { problem: t.reason }),
        };
      })
    : [];
  return Promise.all([...checks, ...compilers]);
}

/** The first problem of each stage that cannot run at all, by stage (a cell's missing compiler is that cell's). */
export function blockedStages(checks: readonly ToolCheck[]): Map<StageName, string> {
  const blocked = new Map<StageName, string>();
  for (const c of checks)
    if (c.required && !c.perCell && c.problem && !blocked.has(c.stage)) blocked.set(c.stage, c.problem);
  return blocked;
}
