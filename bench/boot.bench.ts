// npm run bench (second table): the boot stage on this machine. Per cell: the guest initramfs cold (empty cache:
// resolve, download, unpack, pack) and cached; then the patched kernel booted alone (no other QEMU competing)
// with the whole workload: time to the first scenario and to the end. Target: boot + workload ≤ 60 s per kernel
// under TCG. KVM is used, and its figures printed, only where a probe guest starts under it.
// Then the maintainers' suites, through the real boot stage (--continue on those kernels, one smoke scenario, no
// reruns): the suites disk cold and cached, and per kernel the time the chosen suite tests add. Target: the dm-crypt
// example's cryptsetup tests ≤ 60 s per kernel under TCG. KPCI_BENCH_MD=1 adds the md example on 6.12 (it builds
// 6.12's kernels first).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../src/cli/main.js';
import { buildInitramfs } from '../src/guest/initramfs.js';
import { bootKernel, chooseAccel } from '../src/boot/guest-run.js';
import { cellArtifacts } from '../src/build/artifacts.js';
import { resolveCells } from '../src/kernel/cells.js';
import { guestOf } from '../src/kernel/arches.js';
import { readResults } from '../src/results/store.js';
import type { BootCellMetrics } from '../src/results/model.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tarball = process.env.KPCI_BENCH_TARBALL ?? '/usr/src/linux-source-6.1.tar.xz';
const cellNames = (process.env.KPCI_BENCH_CELLS ?? 'x86_64-dm,i386-highmem').split(',');
const guestDir = path.join(repo, 'guest');

const s = (ms?: number) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`);
const scratch = await mkdtemp(path.join(os.tmpdir(), 'kpci-boot-bench-'));
const rows: string[][] = [];
const suiteRows: string[][] = [];

/** The boot stage of `example` on the kernels in `out` with its default suite selection: per cell, what it took. */
async function suitesRow(out: string, tree: string, example: string, cells: readonly string[]): Promise<void> {
  const run = (stages: string, cache: string, extra: string[] = []) =>
    main(
      ['run', '--tree', tree, '--series', path.join(repo, 'examples', example), '--stages', stages].concat([
        '--configs',
        cells.join(','),
        '--out',
        out,
        '--cache-dir',
        cache,
        ...extra,
      ]),
      { out: () => undefined, err: (l) => process.stderr.write(`  ${l}\n`), env: process.env },
    );
  const cache = path.join(scratch, `suites-cache-${example}`);
  const t = Date.now();
  await run('boot', cache, ['--continue', '--scenarios', 'crypt-xts-plain64', '--suite-reruns', '0']);
  const coldMs = Date.now() - t;
  const results = await readResults(out);
  const boot = results?.stages.find((x) => x.name === 'boot');
  for (const cell of boot?.cells ?? []) {
    const m = cell.metrics as BootCellMetrics | undefined;
    const suites = Object.keys({ ...m?.patched?.suitesMs, ...m?.base?.suitesMs });
    for (const suite of suites) {
      const patched = m?.patched?.suitesMs?.[suite];
      const base = m?.base?.suitesMs?.[suite];
      const worst = Math.max(patched ?? 0, base ?? 0);
      suiteRows.push([
        cell.config,
        `${suite} (${example})`,
        s(m?.suitesDiskMs),
        s(base),
        s(patched),
        cell.summary.match(/suite tests: [^;]*/)?.[0] ?? '—',
        example === 'dm-kmap-local' ? (worst <= 60_000 ? 'yes' : 'no') : '—',
      ]);
    }
  }
  process.stderr.write(`${example}: boot stage with the suites in ${s(coldMs)}\n`);
}
try {
  // kernels to boot: the example series built by the real pipeline (a warm ccache makes this quick)
  const out = path.join(scratch, 'out');
  process.stderr.write("building the example series' kernels\n");
  const code = await main(
    [
      'run',
      '--tree',
      tarball,
      '--series',
      path.join(repo, 'examples', 'dm-kmap-local'),
      '--stages',
      'build',
      '--configs',
      cellNames.join(','),
      '--out',
      out,
    ],
    { out: () => undefined, err: (l) => process.stderr.write(`  ${l}\n`), env: process.env },
  );
  if (code !== 0) throw new Error(`the build ended with ${code}: ` + `${(await readResults(out))?.reason}`);
  for (const cell of await resolveCells(cellNames)) {
    const cache = path.join(scratch, `cache-${cell.name}`);
    const initrd = path.join(scratch, `${cell.name}.cpio`);
    let t = Date.now();
    await buildInitramfs({ guestDir, arch: cell.arch, cacheDir: cache, outFile: initrd });
    const coldMs = Date.now() - t;
    t = Date.now();
    await buildInitramfs({ guestDir, arch: cell.arch, cacheDir: cache, outFile: initrd });
    const cachedMs = Date.now() - t;
    const art = cellArtifacts(out, path.join(out, 'work'), cell.name);
    const common = {
      arch: cell.arch,
      kernel: art.bzImage,
      initrd,
      memoryMiB: guestOf(cell.arch)!.memoryMiB,
      cpus: 2,
      bootTimeoutMs: 120_000,
      scenarioTimeoutMs: 300_000,
      totalTimeoutMs: 1_800_000,
    };
    const accel = await chooseAccel({ ...common, dir: path.join(scratch, 'probe') });
    process.stderr.write(`${cell.name}: booting the patched kernel alone under ${accel.accel} (${accel.why})\n`);
    const boot = await bootKernel({ ...common, accel: accel.accel, dir: path.join(scratch, `boot-${cell.name}`) });
    const passed = boot.report.scenarios.filter((x) => x.status === 'pass').length;
    rows.push([
      cell.name,
      s(coldMs),
      s(cachedMs),
      accel.accel.toUpperCase(),
      s(boot.toFirstScenarioMs),
      s(boot.durationMs),
      `${passed}/${boot.report.planned ?? '?'}`,
      boot.durationMs <= 60_000 ? 'yes' : 'no',
    ]);
  }
  await suitesRow(out, tarball, 'dm-kmap-local', cellNames);
  if (process.env.KPCI_BENCH_MD === '1') {
    const mdOut = path.join(scratch, 'out-md');
    const md = ['run', '--tree', '/usr/src/linux-source-6.12.tar.xz', '--series']
      .concat([path.join(repo, 'examples', 'md-kmap-local'), '--stages', 'build', '--configs', 'i386-highmem'])
      .concat(['--out', mdOut]);
    await main(md, { out: () => undefined, err: (l) => process.stderr.write(`  ${l}\n`), env: process.env });
    await suitesRow(mdOut, '/usr/src/linux-source-6.12.tar.xz', 'md-kmap-local', ['i386-highmem']);
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}

const head = [
  'cell',
  'initramfs cold',
  'initramfs cached',
  'accel',
  'boot to 1st scenario',
  'boot + workload',
  'scenarios passed',
  '≤ 60 s',
];
function table(header: string[], body: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of body) console.log(line(r));
}
table(head, rows);
console.log('');
table(
  ['cell', 'suite (series)', 'suites disk (cold)', 'base kernel', 'patched kernel', 'classes', '≤ 60 s'],
  suiteRows,
);
console.log(
  `\n${os.availableParallelism()} cores; one QEMU at a time. ` +
    `In a run the stage boots base and patched side by side only with 4 cores or more.`,
);
