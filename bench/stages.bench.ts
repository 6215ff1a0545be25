// npm run bench (third table): every stage on both trees, the way a user meets them: each tree's example series
// (dm on linux-source-6.1, md on linux-source-6.12) through all stages in a new out dir with an empty cache (cold),
// then again with the same cache in another new out dir (warm: the imported tree, ccache and guest packages kept).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../src/cli/main.js';
import { STAGE_ORDER, type Results } from '../src/results/model.js';
import { readResults } from '../src/results/store.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const TREES = [
  {
    name: '6.1',
    tarball: process.env.KPCI_BENCH_TARBALL ?? '/usr/src/linux-source-6.1.tar.xz',
    series: 'dm-kmap-local',
  },
  {
    name: '6.12',
    tarball: process.env.KPCI_BENCH_TARBALL_612 ?? '/usr/src/linux-source-6.12.tar.xz',
    series: 'md-kmap-local',
  },
].filter((t) => (process.env.KPCI_BENCH_TREES ?? '6.1,6.12').split(',').includes(t.name));

async function vet(
  tarball: string,
  series: string,
  outDir: string,
  cacheDir: string,
): Promise<{ results: Results; wallMs: number }> {
  const t0 = Date.now();
  await main(
    [
      'run',
      '--tree',
      tarball,
      '--series',
      path.join(repo, 'examples', series),
      '--out',
      outDir,
      '--cache-dir',
      cacheDir,
    ],
    { out: () => undefined, err: (l) => process.stderr.write(`  ${l}\n`), env: process.env },
  );
  return {
    results: (await readResults(outDir))!,
    wallMs: Date.now() - t0,
  };
}

const s = (ms?: number) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(0)} s`);
const scratch = await mkdtemp(path.join(os.tmpdir(), 'kpci-stages-bench-'));
const rows: string[][] = [];
try {
  for (const t of TREES) {
    const cache = path.join(scratch, `cache-${t.name}`);
    process.stderr.write(`${t.name}: cold run (empty cache)\n`);
    const cold = await vet(t.tarball, t.series, path.join(scratch, `cold-${t.name}`), cache);
    process.stderr.write(`${t.name}: warm run (same cache, new out dir)\n`);
    const warm = await vet(t.tarball, t.series, path.join(scratch, `warm-${t.name}`), cache);
    await rm(path.join(scratch, `cold-${t.name}`), { recursive: true, force: true });
    await rm(path.join(scratch, `warm-${t.name}`), { recursive: true, force: true });
    const time = (r: Results, stage: string) => r.stages.find((x) => x.name === stage)?.durationMs;
    const treeRows = STAGE_ORDER.map((stage) => [
      t.name,
      t.series,
      stage,
      s(time(cold.results, stage)),
      s(time(warm.results, stage)),
    ]);
    treeRows.push([
      t.name,
      t.series,
      `whole run (${cold.results.verdict} / ${warm.results.verdict})`,
      s(cold.wallMs),
      s(warm.wallMs),
    ]);
    // each tree's rows as soon as they are known: a run cut short still leaves the trees it finished
    for (const r of treeRows) process.stderr.write(`${t.name}: ${r.slice(2).join(' | ')}\n`);
    rows.push(...treeRows);
    await rm(cache, { recursive: true, force: true });
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}

const head = ['tree', 'series', 'stage', 'cold', 'warm'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(line(head));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
console.log(
  `\n${os.availableParallelism()} cores; cold includes importing the tarball, ` +
    `the guest packages and the compiler cache's first fill.`,
);
