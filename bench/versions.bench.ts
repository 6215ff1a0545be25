// npm run bench (fourth table): a contributor's v1 and v2 of the dm example on linux-source-6.1, both cells, side by
// side in one run. v1 cold: empty caches. v2 warm: a new out dir, the caches v1 left (ccache, the base cache), one
// line of one patch changed, --previous v1. Naive: what v2 costs without ccache, without the base cache and with
// every scenario. Per stage the three times, and the ratio naive / v2. Targets: v2 ≤ 90 s, naive / v2 ≥ 10.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../src/cli/main.js';
import { STAGE_ORDER, type Results } from '../src/results/model.js';
import { readResults } from '../src/results/store.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tarball = process.env.KPCI_BENCH_TARBALL ?? '/usr/src/linux-source-6.1.tar.xz';
const example = path.join(repo, 'examples', 'dm-kmap-local');
const scratch = await mkdtemp(path.join(os.tmpdir(), 'kpci-versions-bench-'));
const cache = path.join(scratch, 'cache');

async function vet(
  name: string,
  series: string,
  extra: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ results: Results; wallMs: number }> {
  process.stderr.write(`${name}\n`);
  const out = path.join(scratch, name.split(' ')[0]!);
  const t0 = Date.now();
  await main(['run', '--tree', tarball, '--series', series, '--out', out, '--cache-dir', cache, ...extra], {
    out: () => undefined,
    err: (l) => process.stderr.write(`  ${l}\n`),
    env,
  });
  return { results: (await readResults(out))!, wallMs: Date.now() - t0 };
}

/** v2: the example with one added line of patch 2 changed (a comment after the unmap, same code). */
async function v2Series(): Promise<string> {
  const dir = path.join(scratch, 'v2-series');
  await cp(example, dir, { recursive: true });
  const file = path.join(dir, '0002-dm-log-writes-use-kmap_local_page-instead-of-depreca.patch');
  const text = await readFile(file, 'utf8');
  const changed = text.replace(/^\+(\s*)kunmap_local\((\w+)\);$/m, '+$1kunmap_local($2); /* v2 */');
  if (changed === text) throw new Error(`no kunmap_local line to change in ${file}`);
  await writeFile(file, changed);
  return dir;
}

const s = (ms?: number) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(0)} s`);
try {
  const v1 = await vet('v1 (cold: empty caches)', example, []);
  const v2 = await vet('v2 (warm: new out dir, one line changed)', await v2Series(), [
    '--previous',
    path.join(scratch, 'v1'),
  ]);
  const naive = await vet(
    'naive (no ccache, no base cache, every scenario)',
    await v2Series(),
    ['--no-base-cache', '--scenarios', 'all'],
    { ...process.env, CCACHE_DISABLE: '1' },
  );
  const time = (r: Results, stage: string) => r.stages.find((x) => x.name === stage)?.durationMs;
  const ratio = (a?: number, b?: number) => (a && b ? `${(a / b).toFixed(1)}×` : '—');
  const rows = STAGE_ORDER.filter((st) => v1.results.stages.some((x) => x.name === st)).map((stage) => [
    stage,
    s(time(v1.results, stage)),
    s(time(v2.results, stage)),
    s(time(naive.results, stage)),
    ratio(time(naive.results, stage), time(v2.results, stage)),
  ]);
  rows.push([
    `whole run (${v1.results.verdict} / ${v2.results.verdict} / ${naive.results.verdict})`,
    s(v1.wallMs),
    s(v2.wallMs),
    s(naive.wallMs),
    ratio(naive.wallMs, v2.wallMs),
  ]);
  const head = ['stage', 'v1 cold', 'v2 warm', 'naive', 'naive / v2'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  const base = v2.results.stages
    .flatMap((st) => st.cells ?? [])
    .map((c) => c.summary.match(/base (from cache|computed)[^;]*/)?.[0])
    .filter(Boolean);
  console.log(
    `\n${os.availableParallelism()} cores; v2 ≤ 90 s: ${v2.wallMs <= 90_000 ? 'yes' : 'no'}; ` +
      `naive / v2 ≥ 10: ${naive.wallMs / v2.wallMs >= 10 ? 'yes' : 'no'}. v2's base: ${base.join('; ') || '—'}. ` +
      `v2 against v1: ${v2.results.previous?.fixed.length ?? 0} fixed, ${v2.results.previous?.added.length ?? 0} new.`,
  );
} finally {
  await rm(scratch, { recursive: true, force: true });
}
