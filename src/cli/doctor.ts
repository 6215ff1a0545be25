// `kernel-patch-ci doctor`: per stage, the tools it needs and their versions, the compilers for the cells' arches,
// whether QEMU really runs a guest under KVM, the free disk and Node — one table; exit 0 when every asked stage
// can run.
import { statfs } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { usageError } from '../errors.js';
import { STAGE_ORDER } from '../results/model.js';
import { blockedStages, checkStages, type ToolCheck } from '../host/requirements.js';
import { resolveCells, DEFAULT_CELLS } from '../kernel/cells.js';
import { MIN_NODE_MAJOR } from '../action/runner.js';
import { defaultCacheDir, parseStages } from '../settings.js';
import { probeKvm, type AccelProbe } from '../tools/kvm-probe.js';
import { ARCHES } from '../kernel/arches.js';

/** A run needs room for a tree, two cells' build dirs and the compiler cache. */
export const MIN_FREE_GIB = 20;

export interface DoctorReport {
  rows: { stage: string; what: string; status: 'ok' | 'missing' | 'optional-missing' | 'note'; detail: string }[];
  canRun: boolean;
}

export function doctorRows(
  checks: readonly ToolCheck[],
  host: { node: string; freeGiB?: number; cacheDir: string; accel: Map<string, AccelProbe> },
): DoctorReport {
  const nodeOk = Number(host.node.split('.')[0]) >= MIN_NODE_MAJOR;
  const rows: DoctorReport['rows'] = [
    {
      stage: 'host',
      what: 'node',
      status: nodeOk ? 'ok' : 'missing',
      detail: nodeOk ? `v${host.node}` : `v${host.node}: Node ${MIN_NODE_MAJOR} or later is needed`,
    },
    host.freeGiB === undefined
      ? { stage: 'host', what: 'disk', status: 'note', detail: `cannot tell the free space under ${host.cacheDir}` }
      : {
          stage: 'host',
          what: 'disk',
          status: host.freeGiB >= MIN_FREE_GIB ? 'ok' : 'missing',
          detail:
            `${host.freeGiB.toFixed(0)} GiB free under ${host.cacheDir}` +
            `${host.freeGiB >= MIN_FREE_GIB ? '' : ` (a run wants ${MIN_FREE_GIB} GiB)`}`,
        },
  ];
  for (const c of checks) {
    rows.push({
      stage: c.stage,
      what: c.command,
      status: c.problem ? (c.required ? 'missing' : 'optional-missing') : 'ok',
      detail: c.problem ? `${c.problem}${c.required ? '' : ` — ${c.why} is skipped`}` : (c.version ?? ''),
    });
  }
  for (const [arch, probe] of host.accel)
    rows.push({
      stage: 'boot',
      what: `accelerator (${arch})`,
      status: 'note',
      detail: `${probe.accel.toUpperCase()}: ${probe.why}`,
    });
  const order = ['host', ...STAGE_ORDER];
  rows.sort((a, b) => order.indexOf(a.stage) - order.indexOf(b.stage)); // stable: each stage's rows keep their order
  const canRun =
    nodeOk &&
    (host.freeGiB === undefined || host.freeGiB >= MIN_FREE_GIB) &&
    blockedStages(checks).size === 0 &&
    !checks.some((c) => c.perCell && c.problem);
  return { rows, canRun };
}

export function renderDoctor(report: DoctorReport): string {
  const mark = { ok: 'ok', missing: 'MISSING', 'optional-missing': 'missing (optional)', note: '' };
  const cells = report.rows.map((r) => [r.stage, r.what, mark[r.status], r.detail]);
  const widths = [0, 1, 2].map((i) =>
    Math.max(...[['stage', 'tool', 'status'][i]!.length, ...cells.map((c) => c[i]!.length)]),
  );
  const line = (c: string[]) =>
    c
      .map((v, i) => (i < 3 ? v.padEnd(widths[i]!) : v))
      .join('  ')
      .trimEnd();
  return [
    line(['stage', 'tool', 'status', 'version / detail']),
    ...cells.map(line),
    '',
    report.canRun
      ? 'every asked stage can run here'
      : 'some asked stage cannot run here: install what is MISSING (bash scripts/install-deps.sh)',
  ].join('\n');
}

async function freeGiB(dir: string): Promise<number | undefined> {
  let d = dir;
  while (!existsSync(d) && path.dirname(d) !== d) d = path.dirname(d);
  const s = await statfs(d).catch(() => undefined);
  return s ? (s.bavail * s.bsize) / 2 ** 30 : undefined;
}

export async function doctor(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<{ text: string; code: number }> {
  let v;
  try {
    v = parseArgs({
      args: [...argv],
      strict: true,
      options: { stages: { type: 'string' }, configs: { type: 'string' }, 'cache-dir': { type: 'string' } },
    }).values;
  } catch (error) {
    throw usageError((error as Error).message.split('\n')[0]!);
  }
  const stages = parseStages(v.stages);
  const cells = await resolveCells(
    v.configs
      ? v.configs
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : DEFAULT_CELLS,
  );
  const arches = [...new Set(cells.map((c) => c.arch))];
  const cacheDir = v['cache-dir'] ? path.resolve(v['cache-dir']) : defaultCacheDir(env);
  const checks = await checkStages(stages, arches);
  const accel = new Map<string, AccelProbe>();
  if (stages.includes('boot')) {
    for (const arch of arches) {
      const binary = ARCHES[arch]?.guest?.qemuBinary; // no QEMU for s390: nothing to probe
      const qemuThere = checks.some((c) => c.command === binary && !c.problem);
      if (qemuThere)
        accel.set(
          arch,
          env.KPCI_ACCEL === 'tcg' || env.KPCI_ACCEL === 'kvm'
            ? { accel: env.KPCI_ACCEL, why: 'KPCI_ACCEL says so' }
            : await probeKvm(arch),
        );
    }
  }
  const report = doctorRows(checks, { node: process.versions.node, freeGiB: await freeGiB(cacheDir), cacheDir, accel });
  return { text: renderDoctor(report), code: report.canRun ? 0 : 2 };
}
