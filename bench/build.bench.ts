// npm run bench: build-matrix timings on this machine, printed as a table (targets from issue 4, 2 cores):
// cold x86_64-dm ≤ 6 min, cold i386-highmem ≤ 5 min, warm base→patched rebuild of the series ≤ 60 s per cell;
// plus a naive baseline (the patched tree built from scratch, no ccache) and how much faster the warm path is.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../src/cli/main.js';
import { resolveCells } from '../src/kernel/cells.js';
import { configureFromFragment, make } from '../src/tools/kbuild.js';
import type { BuildCellMetrics, Results } from '../src/results/model.js';
import { readResults } from '../src/results/store.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tarball = process.env.KPCI_BENCH_TARBALL ?? '/usr/src/linux-source-6.1.tar.xz';
const cellNames = (process.env.KPCI_BENCH_CELLS ?? 'x86_64-dm,i386-highmem').split(',');
// a series whose files need symbols the cell lacks (test/fixtures/series/highmem-snapshot on 6.12) shows that
// adding them leaves the base→patched rebuild as small as the example's
const series = path.resolve(repo, process.env.KPCI_BENCH_SERIES ?? path.join('examples', 'dm-kmap-local'));
const jobs = String(os.availableParallelism());

async function vet(
  outDir: string,
  ccacheDir: string,
  cell: string,
): Promise<{ results: Results; metrics: BuildCellMetrics; wallMs: number }> {
  const t0 = Date.now();
  const code = await main(
    [
      'run',
      '--tree',
      tarball,
      '--series',
      series,
      '--stages',
      'build',
      '--configs',
      cell,
      '--out',
      outDir,
      '--ccache-dir',
      ccacheDir,
      '--jobs',
      jobs,
    ],
    { out: () => undefined, err: (l) => process.stderr.write(`  ${l}\n`), env: process.env },
  );
  const results = (await readResults(outDir))!;
  if (code !== 0) throw new Error(`run for ${cell} ended with ${code}: ${results.reason}`);
  const metrics = results.stages.find((s) => s.name === 'build')!.cells![0]!.metrics as BuildCellMetrics;
  return { results, metrics, wallMs: Date.now() - t0 };
}

/** The patched tree built the way one would without this tool: a fresh O= dir, no ccache. */
async function naiveBuild(srcDir: string, cell: string, scratch: string): Promise<number> {
  const [c] = await resolveCells([cell]);
  const kb = {
    srcDir,
    buildDir: path.join(scratch, `naive-${cell}`),
    arch: c!.arch,
    jobs: Number(jobs),
    timeoutMs: 3_600_000,
  };
  const t0 = Date.now();
  if (await configureFromFragment(kb, [c!.fragmentPath])) throw new Error('naive configure failed');
  const built = await make(kb, ['bzImage']);
  if (built.code !== 0) throw new Error(`naive build failed for ${cell}`);
  return Date.now() - t0;
}

const s = (ms: number) => `${(ms / 1000).toFixed(0)} s`;
const pct = (r?: number) => (r === undefined ? '—' : `${(r * 100).toFixed(0)}%`);

const scratch = await mkdtemp(path.join(os.tmpdir(), 'kpci-bench-'));
const rows: string[][] = [];
try {
  for (const cell of cellNames) {
    process.stderr.write(`${cell}: cold run (empty ccache, new out dir)\n`);
    const ccache = path.join(scratch, `ccache-${cell}`);
    const cold = await vet(path.join(scratch, `cold-${cell}`), ccache, cell);
    process.stderr.write(`${cell}: second run (warm ccache, new out dir, as on a CI runner that restored the cache)\n`);
    const warm = await vet(path.join(scratch, `warm-${cell}`), ccache, cell);
    process.stderr.write(`${cell}: naive baseline (patched tree, fresh O=, no ccache)\n`);
    const naive = await naiveBuild(path.join(scratch, `cold-${cell}`, 'work', 'linux'), cell, scratch);
    const m = cold.metrics;
    const cellSummary = cold.results.stages.find((x) => x.name === 'build')!.cells![0]!.summary;
    const added = /added for the series: (.*)$/.exec(cellSummary)?.[1] ?? 'none';
    const rebuilt = /(\d+\/\d+) changed objects rebuilt/.exec(cellSummary)?.[1] ?? '?';
    rows.push([
      cell,
      added,
      rebuilt,
      s(m.configureMs + m.baseBuildMs),
      s(m.patchedBuildMs),
      s(m.perPatchMs),
      s(warm.metrics.configureMs + warm.metrics.baseBuildMs),
      pct(warm.metrics.ccacheHitRate.base),
      s(naive),
      `${(naive / Math.max(m.patchedBuildMs, 1)).toFixed(1)}×`,
    ]);
    await rm(path.join(scratch, `naive-${cell}`), { recursive: true, force: true });
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}

const head = [
  'cell',
  'symbols added for the series',
  'changed objects rebuilt',
  'cold base build',
  'base→patched rebuild',
  'per-patch builds',
  'base build, warm ccache',
  'ccache hits (warm)',
  'naive patched build',
  'naive / rebuild',
];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(line(head));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
console.log(
  `\n${path.relative(repo, series)} on ${path.basename(tarball)}; ${os.availableParallelism()} cores, ` +
    `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; targets: cold x86_64-dm ≤ 360 s, ` +
    `i386-highmem ≤ 300 s, rebuild ≤ 60 s.`,
);
