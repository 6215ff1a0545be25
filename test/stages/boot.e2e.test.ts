// The boot stage for real: kernels the build stage makes of the real trees, booted in QEMU (TCG here: the KVM
// probe fails on this machine) with the Debian guest userspace. Each tree has one out dir for every e2e test, so a
// series only rebuilds what it touches. CI boots 6.12's i386-highmem cell; KPCI_EXHAUSTIVE=1 both cells of both
// trees.
import { afterAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { pathWithout } from '../helpers/host.js';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIXTURES, REPO } from '../helpers/fixtures.js';
import { removeOutDirs, runCli, stage, TEST_CACHE, type CliRun } from '../helpers/kernel.js';
import type { BootCellMetrics, BuildCellMetrics } from '../../src/results/model.js';
import { e2eOutDir, EXAMPLE_OF, EXHAUSTIVE, tree, TREES } from '../helpers/trees.js';

const HOUR = 3_600_000;
const series = (name: string) => path.join(FIXTURES, 'series', name);
const CELLS = EXHAUSTIVE ? ['x86_64-dm', 'i386-highmem'] : ['i386-highmem'];
/** The cell the failure-mode tests boot: one is enough, and CI has built it already. */
const CELL = CELLS.at(-1)!;
const MD_EXAMPLE = path.join(REPO, 'examples', 'md-kmap-local');
const boot = async (version: string, ...args: string[]) =>
  runCli(['--tree', tree(version).tarball, '--stages', 'boot', ...args], await e2eOutDir(tree(version)));
/** The boot stage alone on the kernels the last run built in the tree's out dir (the md example's, for 6.12). */
const bootAgain = async (...args: string[]) =>
  runCli(
    [
      '--tree',
      tree('6.12').tarball,
      '--stages',
      'boot',
      '--continue',
      '--series',
      MD_EXAMPLE,
      '--configs',
      CELL,
      // the suites have their own tests; these are about the guest and the watchdog
      '--suites',
      'none',
      ...args,
    ],
    await e2eOutDir(tree('6.12')),
  );
const onlyExhaustive = EXHAUSTIVE ? test : test.skip;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'kpci-boot-e2e-'));

/** What each example's changed functions do under the chosen scenarios: run, or not reached, and why. */
const COVERAGE: Record<string, { executed: string[]; notReached: string[] }> = {
  // 6.1 only reaches write_inline_data for non-mark blocks with data, which never come (guest/not-reached.tsv)
  '6.1': {
    executed: [
      'crypt_iv_elephant',
      'crypt_iv_lmk_gen',
      'crypt_iv_lmk_post',
      'crypt_iv_tcw_gen',
      'crypt_iv_tcw_post',
      'log_writes_map',
      'write_metadata',
    ],
    notReached: ['write_inline_data'],
  },
  '6.12': {
    executed: [
      'bitmap_daemon_work',
      'bitmap_update_sb',
      'md_bitmap_file_clear_bit',
      'md_bitmap_file_set_bit',
      'md_bitmap_init_from_disk',
      'md_bitmap_new_disk_sb',
      'md_bitmap_read_sb',
      'r5c_cache_data',
      'r5c_recovery_rewrite_data_only_stripes',
      'r5l_recovery_verify_data_checksum',
      'r5l_write_stripe',
    ],
    // md-cluster only, and invalid bitmap superblocks only
    notReached: ['bitmap_print_sb', 'md_bitmap_file_test_bit'],
  },
};
/** The maintainers' suite tests each example's change reaches (each suite's suite.conf in guest/suites). */
const SUITE_TESTS: Record<string, string[]> = {
  '6.1': ['cryptsetup:loopaes-test', 'cryptsetup:tcrypt-compat-test', 'cryptsetup:bitlk-compat-test'],
  '6.12': ['mdadm:05r1-bitmapfile', 'mdadm:21raid5cache'],
};
const SCENARIOS: Record<string, string[]> = {
  '6.1': ['crypt-lmk', 'crypt-tcw', 'crypt-elephant', 'crypt-xts-plain64', 'log-writes', 'lvm-linear'],
  '6.12': ['crypt-xts-plain64', 'lvm-linear', 'lvm-raid1', 'md-raid1-bitmap', 'md-raid5-journal', 'md-raid10'],
};

afterAll(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await removeOutDirs();
}, HOUR);

/** A copy of the shipped guest with its scenarios replaced (or its init, or its package list). */
function customGuest(name: string, files: Record<string, string>): string {
  const dir = path.join(scratch, name);
  cpSync(path.join(REPO, 'guest'), dir, { recursive: true });
  rmSync(path.join(dir, 'scenarios'), { recursive: true });
  mkdirSync(path.join(dir, 'scenarios'));
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
  return dir;
}

function ourQemus(): string[] {
  try {
    return execFileSync('pgrep', ['-a', '-f', 'qemu-system-'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.includes('kpci.out='));
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

const diskImages = (outDir: string) => {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name.endsWith('.img')) found.push(path.join(d, e.name));
    }
  };
  if (existsSync(path.join(outDir, 'work', 'boot'))) walk(path.join(outDir, 'work', 'boot'));
  return found;
};

describe.each(EXHAUSTIVE ? TREES : [tree('6.12')])('boot stage on linux-source-$version', (t) => {
  test(
    'the example series passes every scenario it needs in every cell, ' +
      "with the base kernel's ciphertext and its changed functions run",
    async () => {
      const run = await boot(
        t.version,
        '--configs',
        CELLS.join(','),
        '--series',
        path.join(REPO, 'examples', EXAMPLE_OF[t.version]!),
        // the suites add minutes a kernel under TCG: CI boots without them, the exhaustive run with them
        ...(EXHAUSTIVE ? [] : ['--suites', 'none']),
      );
      // the build it boots: clean in every cell, every fragment symbol kept on this tree, every changed file compiled
      const built = stage(run, 'build')!;
      expect(built.findings.filter((f) => f.new !== false && f.severity !== 'info')).toEqual([]);
      expect(built.findings.filter((f) => f.type === 'CONFIG_DROPPED')).toEqual([]);
      // every line the series adds is compiled, in every cell (the conversions are not under #ifdef CONFIG_HIGHMEM)
      expect(built.summary).toMatch(/; ([1-9]\d*)\/\1 changed lines compiled in at least one$/);
      expect(built.findings.filter((f) => f.type === 'CONFIG_FOR_SERIES')).toEqual([]);
      for (const cell of built.cells!) {
        expect([cell.config, cell.status, cell.summary]).toEqual([
          cell.config,
          'pass',
          expect.stringMatching(
            new RegExp(
              '^0 new, \\d+ fixed, \\d+ pre-existing warnings; 2/2 changed objects rebuilt, ' +
                '(\\d+)/\\1 changed lines compiled(;|$)',
            ),
          ),
        ]);
        for (const name of ['config', 'build.log', 'bzImage', 'vmlinux'])
          expect(statSync(path.join(run.outDir, 'artifacts', cell.config, name)).size).toBeGreaterThan(0);
        const config = readFileSync(path.join(run.outDir, 'artifacts', cell.config, 'config'), 'utf8');
        for (const s of ['CONFIG_DM_CRYPT=y', 'CONFIG_MD_RAID456=y', 'CONFIG_PREEMPT=y', 'CONFIG_KERNEL_GZIP=y'])
          expect(config).toContain(s);
        if (cell.config === 'i386-highmem')
          for (const s of ['CONFIG_HIGHMEM4G=y', 'CONFIG_DEBUG_KMAP_LOCAL_FORCE_MAP=y']) expect(config).toContain(s);
      }
      const b = stage(run, 'boot')!;
      expect(b.findings.filter((f) => f.severity !== 'info')).toEqual([]);
      expect(run.code).toBe(0);
      expect(b.cells!.map((c) => [c.config, c.status])).toEqual(CELLS.map((c) => [c, 'pass']));
      const chosen = SCENARIOS[t.version]!;
      const suiteTests = EXHAUSTIVE ? SUITE_TESTS[t.version]! : [];
      const suite = SUITE_TESTS[t.version]![0]!.split(':')[0]!;
      expect(b.summary).toMatch(
        new RegExp(
          `^${chosen.length} of 16 scenarios, chosen by the change, ` +
            (EXHAUSTIVE
              ? `${suiteTests.length} ${suite} suite tests, chosen by the change; `
              : 'no suite tests \\(--suites none\\); '),
        ),
      );
      if (EXHAUSTIVE)
        expect(
          b.findings
            .find((f) => f.type === 'SUITES_CHOSEN')!
            .message.split('\n')
            .slice(1)
            .map((l) => l.trim().split(': ')[0]),
        ).toEqual(suiteTests);
      expect(
        b.findings
          .find((f) => f.type === 'SCENARIOS_CHOSEN')!
          .message.split('\n')
          .slice(1)
          .map((l) => l.trim().split(':')[0]),
      ).toEqual(chosen);
      const { executed, notReached } = COVERAGE[t.version]!;
      const ran = (config: string, type: string) =>
        b.findings
          .filter((f) => f.config === config && f.type === type)
          .map((f) => f.message.split('(')[0])
          .sort();
      // by name first, so that a changed function a scenario missed is named
      for (const config of CELLS) expect(ran(config, 'CHANGE_EXECUTED')).toEqual(executed);
      for (const cell of b.cells!)
        expect(cell.summary).toMatch(
          new RegExp(
            `^${chosen.length}/${chosen.length} scenarios passed under (TCG|KVM); ` +
              (EXHAUSTIVE ? `suite tests: ${suiteTests.length} pass; ` : '') +
              'ciphertext identical to ' +
              `base; ${executed.length}/${executed.length + notReached.length} changed functions executed`,
          ),
        );
      expect(b.cells!.find((c) => c.config === 'i386-highmem')!.summary).toMatch(/HighTotal [1-9]\d+ MiB/);
      for (const config of CELLS) {
        expect(ran(config, 'CHANGE_NOT_REACHED')).toEqual(notReached);
        // a function no scenario reaches is named with the reason
        for (const f of b.findings.filter((x) => x.config === config && x.type === 'CHANGE_NOT_REACHED'))
          expect(f.message).toMatch(/was not reached by any scenario that ran: \S/);
        const dir = path.join(run.outDir, 'artifacts', config);
        for (const f of ['console-base.log', 'console-patched.log', 'ktap-patched.txt', 'coverage.md', 'base/bzImage'])
          expect(existsSync(path.join(dir, f))).toBe(true);
        const ktap = readFileSync(path.join(dir, 'ktap-patched.txt'), 'utf8');
        expect(ktap).toMatch(new RegExp(`^KTAP version 1\n1\\.\\.${chosen.length + suiteTests.length}\n`));
        // one KTAP line per suite test, numbered after the scenarios, on both kernels
        suiteTests.forEach((id, i) => expect(ktap).toContain(`\nok ${chosen.length + 1 + i} ${id}\n`));
        // our init seeds the RNG before any scenario: unseeded, every mkfs and integritysetup waits seconds for it
        const log = readFileSync(path.join(dir, 'console-patched.log'), 'utf8');
        expect(log.indexOf('random: crng init done')).toBeGreaterThan(0);
        expect(log.indexOf('random: crng init done')).toBeLessThan(log.indexOf('# kpci-begin 1 '));
      }
      // the base kernel ran the scenarios one at a time and mapped which of them enter each function of the touched
      // files (a cold base cache, as in CI), or a cached base's map chose the patched kernel's scenarios
      for (const cell of b.cells!) {
        const map = (cell.metrics as BootCellMetrics).scenarioMap!;
        if ((cell.metrics as BootCellMetrics).baseCache?.hit) expect(map.ran).toBeDefined();
        else expect(map.learnedFunctions).toBeGreaterThanOrEqual(executed.length + notReached.length);
      }
      expect(diskImages(run.outDir)).toEqual([]);
      expect(ourQemus()).toEqual([]);
    },
    HOUR,
  );
});

// CI checks that the base boot learns the map (above); applying it costs another boot of 6 scenarios
describe('v2 of the md example (6.12): the scenario map the base boot learned', () => {
  onlyExhaustive(
    "the patched kernel runs only the scenarios the base's map says enter a changed function, and every changed " +
      'function that ran before still runs',
    async () => {
      const run = await boot(
        '6.12',
        '--continue',
        '--configs',
        CELLS.join(','),
        '--series',
        MD_EXAMPLE,
        ...(EXHAUSTIVE ? [] : ['--suites', 'none']),
      );
      expect(run.code).toBe(0);
      const { executed, notReached } = COVERAGE['6.12']!;
      const candidates = SCENARIOS['6.12']!;
      for (const cell of stage(run, 'boot')!.cells!) {
        const metrics = cell.metrics as BootCellMetrics;
        expect(metrics.baseCache).toMatchObject({ hit: true });
        const map = metrics.scenarioMap!;
        expect(map.widened).toBeUndefined();
        expect(map.candidates).toBe(candidates.length);
        // a subset of the candidates, in the guest's order, with the smoke set
        expect(map.ran).toEqual(candidates.filter((c) => map.ran!.includes(c)));
        expect(map.ran).toEqual(expect.arrayContaining(['crypt-xts-plain64', 'lvm-linear']));
        // each chosen for a changed function it enters (or smoke); raid5-cache's functions by the journal scenario
        for (const reason of map.reasons!) expect(reason).toMatch(/^[\w-]+: (smoke|\w+\(\))/);
        expect(map.reasons!.find((r) => r.startsWith('md-raid5-journal: '))).toMatch(/r5[cl]_\w+\(\)/);
        // the cut loses no coverage: the functions the full choice ran, the patched kernel still runs
        expect(cell.summary).toMatch(
          new RegExp(
            `^${map.ran!.length}/${map.ran!.length} scenarios passed under (TCG|KVM); .*` +
              `${executed.length}/${executed.length + notReached.length} changed functions executed.*; ` +
              `the patched kernel ran ${map.ran!.length} of ${candidates.length} scenarios, those the base's ` +
              'scenario map says enter a changed function',
          ),
        );
        const ktap = readFileSync(path.join(run.outDir, 'artifacts', cell.config, 'ktap-patched.txt'), 'utf8');
        expect([...ktap.matchAll(/^ok \d+ ([\w-]+)$/gm)].map((m) => m[1])).toEqual(map.ran);
      }
    },
    HOUR,
  );
});

// These boot the kernels the example test just built (--continue: no build), so they come right after it.
describe('guests that go wrong (6.12)', () => {
  onlyExhaustive(
    'garbage on the console, then a scenario whose guest vanishes without a result',
    async () => {
      const guest = customGuest('vanish', {
        'scenarios/10-garbage.sh': '# kpci-smoke\nhead -c 4096 /dev/urandom >/dev/console\n',
        'scenarios/20-vanish.sh': '# kpci-smoke\nreboot -f\n',
      });
      const run = await bootAgain('--guest-dir', guest);
      const b = stage(run, 'boot')!;
      expect(b.findings.filter((f) => f.severity !== 'info').map((f) => [f.type, f.message.split('\n')[0]])).toEqual([
        ['SCENARIO_FAILS_ON_BASE', 'scenario vanish: no result (pre-existing: it fails on the base kernel too)'],
      ]);
      expect(b.cells![0]!.summary).toMatch(/^1\/2 scenarios passed/);
    },
    HOUR,
  );

  test(
    'a hanging scenario: QEMU is killed at the scenario timeout, the last console lines are kept, nothing survives',
    async () => {
      const guest = customGuest('hang', {
        'scenarios/10-hang.sh': '# kpci-smoke\necho about to hang >/dev/console\nsleep 100000\n',
      });
      const t0 = Date.now();
      const run = await bootAgain('--guest-dir', guest, '--scenario-timeout', '15');
      const b = stage(run, 'boot')!;
      const hang = b.findings.find((f) => f.type === 'SCENARIO_FAILS_ON_BASE')!;
      expect(hang.message).toMatch(/^scenario hang: no result \(scenario hang did not finish within 15s\)/);
      expect(hang.message).toContain('about to hang');
      expect(b.durationMs).toBeLessThan(150_000);
      expect(Date.now() - t0).toBeGreaterThan(15_000);
      expect(ourQemus()).toEqual([]);
      expect(diskImages(run.outDir)).toEqual([]);
    },
    HOUR,
  );

  test(
    'a kernel that panics at boot (its init exits): BOOT_FAILED with the panic, exit 2 as base fails too',
    async () => {
      const guest = customGuest('panic', {
        init: '#!/bin/busybox sh\nexit 1\n',
        'scenarios/10-never.sh': '# kpci-smoke\ntrue\n',
      });
      const run = await bootAgain('--guest-dir', guest);
      expect(run.code).toBe(2);
      const failed = stage(run, 'boot')!.findings.find((f) => f.type === 'BOOT_FAILED')!;
      expect(failed.message).toMatch(
        new RegExp(
          `^the patched ${CELL} kernel did not reach our init; ` +
            `the base kernel did not either\\. Last console lines:\\n`,
        ),
      );
      expect(failed.message).toMatch(/Kernel panic - not syncing: Attempted to kill init!/);
    },
    HOUR,
  );

  test(
    'a guest package the archive does not have: exit 2 with one line, results written',
    async () => {
      const guest = customGuest('bad-package', {
        'packages.txt': 'install: busybox-static kpci-no-such-package\n',
        'scenarios/10-x.sh': '# kpci-smoke\ntrue\n',
      });
      const run = await bootAgain('--guest-dir', guest);
      expect(run.code).toBe(2);
      expect(stage(run, 'boot')).toMatchObject({
        status: 'error',
        summary:
          `cannot resolve the ${CELL === 'i386-highmem' ? 'i386' : 'amd64'} guest packages: ` +
          `Unable to locate package kpci-no-such-package`,
      });
      expect(run.results.verdict).toBe('error');
    },
    HOUR,
  );

  test(
    '--scenarios naming a scenario the guest does not have: exit 2 with the names it has',
    async () => {
      const run = await bootAgain('--scenarios', 'md-raid1-bitmap,md-raid6');
      expect(run.code).toBe(2);
      expect(stage(run, 'boot')!.summary).toMatch(
        /^--scenarios: no scenario md-raid6 in \S+guest \(scenarios: crypt-lmk, .*, md-raid10, or all\)$/,
      );
    },
    HOUR,
  );

  test(
    'no QEMU installed: exit 2 naming the Debian package',
    async () => {
      const bin = pathWithout('qemu-system-');
      const saved = process.env.PATH;
      process.env.PATH = bin;
      try {
        const run = await bootAgain('--scenarios', 'crypt-xts-plain64');
        expect(run.code).toBe(2);
        const qemu = CELL === 'i386-highmem' ? 'qemu-system-i386' : 'qemu-system-x86_64';
        expect(stage(run, 'boot')).toMatchObject({
          status: 'error',
          summary: `${qemu} is not installed (Debian package: qemu-system-x86)`,
        });
      } finally {
        process.env.PATH = saved;
      }
    },
    HOUR,
  );
});

/** A case's findings as a verdict reads them: without the base cache's own words, ccache's hit rate, and which
 *  CPU and PID a splat happened on. */
const verdictOf = (run: CliRun) => ({
  code: run.code,
  verdict: run.results.verdict,
  stages: run.results.stages.map((s) => ({
    name: s.name,
    status: s.status,
    cells: (s.cells ?? []).map((c) => [
      c.config,
      c.status,
      c.summary.replace(/; base (from cache|computed)\b.*$/, '').replace(/; ccache \d+% hits/, ''),
    ]),
    findings: s.findings.map((f) => ({
      ...f,
      message: f.message.split('\n')[0]!.replace(/CPU: \d+ PID: \d+/, 'CPU: # PID: #'),
    })),
  })),
});
const PREEMPT_CASE = [
  '--series',
  series('md-preempt-imbalance'),
  '--configs',
  CELL,
  '--scenarios',
  'md-raid1-bitmap',
  '--suites',
  'none',
];
let preemptCold: CliRun | undefined;

describe('the watchdog and the data checks catch what a conversion gets wrong', () => {
  test(
    '6.12: kunmap_atomic() left after kmap_local_page() in md_bitmap_file_set_bit(): ' +
      'md-raid1-bitmap splats, the caller is named',
    async () => {
      // cold: the base computed, as on a first push (the next test runs the case warm)
      rmSync(path.join(TEST_CACHE, 'base'), { recursive: true, force: true });
      const run = await boot('6.12', ...PREEMPT_CASE);
      preemptCold = run;
      for (const name of ['build', 'boot'])
        expect(stage(run, name)!.cells![0]!.summary).toMatch(/; base computed \(no entry for this key, now cached\)/);
      expect(run.code).toBe(1);
      const splats = stage(run, 'boot')!.findings.filter((f) => f.type === 'KERNEL_SPLAT');
      // the count goes wrong in md_bitmap_file_set_bit() and trips in its caller's spin_unlock_irq()
      expect(splats.map((f) => f.message.split('\n')[0])).toEqual([
        expect.stringMatching(
          new RegExp(
            '^WARNING: .* preempt_count_sub\\+\\S+ in bitmap_startwrite\\(\\), ' +
              'which calls md_bitmap_file_set_bit\\(\\) \\(drivers/md/md-bitmap.c, ' +
              'changed by patch 1\\), during md-raid1-bitmap$',
          ),
        ),
      ]);
      expect(splats[0]).toMatchObject({
        tool: 'kernel',
        severity: 'error',
        new: true,
        file: 'drivers/md/md-bitmap.c',
        patch: 1,
        config: CELL,
      });
      expect(splats[0]!.message).toContain('DEBUG_LOCKS_WARN_ON(val > preempt_count())');
      // the report tells a maintainer how to boot that kernel again: the disks, QEMU's command line, the scenario
      const reproduce = stage(run, 'boot')!.cells!.find((c) => c.config === CELL)!.reproduce!;
      expect(reproduce[0]).toMatch(
        new RegExp(`^# ${CELL} under QEMU; the guest's init ran the scenarios md-raid1-bitmap `),
      );
      const qemu = reproduce.filter((l) => l.startsWith('qemu-system-'));
      expect(qemu).toHaveLength(2); // patched, then base
      expect(qemu[0]).toMatch(
        new RegExp(
          '^qemu-system-(i386|x86_64) -nodefaults .* -kernel \\S+/bzImage -initrd \\S+ -append ' +
            "'[^']*kpci\\.only=md-raid1-bitmap[^']*'",
        ),
      );
      expect(existsSync(qemu[0]!.match(/-kernel (\S+)/)![1]!)).toBe(true);
      expect(run.report).toContain(`<summary>Reproduce ${CELL} locally</summary>`);
    },
    HOUR,
  );

  test(
    'the same case warm, in a new out dir: the base build and boot from the cache, the same verdict and findings',
    async () => {
      expect(preemptCold).toBeDefined();
      const warm = await runCli(['--tree', tree('6.12').tarball, '--stages', 'boot', ...PREEMPT_CASE]);
      const build = stage(warm, 'build')!.cells![0]!;
      expect(build.summary).toMatch(/; base from cache, key build-[0-9a-f]{12}$/);
      expect(stage(warm, 'boot')!.cells![0]!.summary).toMatch(/; base from cache, key boot-[0-9a-f]{12}$/);
      // only the changed object was made again: the restored O= dir was taken as built
      const metrics = build.metrics as BuildCellMetrics;
      expect(metrics.baseBuildMs).toBe(0);
      const log = readFileSync(path.join(warm.outDir, 'artifacts', CELL, 'build.log'), 'utf8');
      const compiled = [...new Set([...log.matchAll(/^\s+CC\s+(\S+\.o)$/gm)].map((m) => m[1]!))];
      expect(compiled.filter((o) => o.startsWith('drivers/'))).toEqual(['drivers/md/md-bitmap.o']);
      expect(verdictOf(warm)).toEqual(verdictOf(preemptCold!));
    },
    HOUR,
  );

  onlyExhaustive(
    '6.1: kmap_local_page() unmapped with kunmap_atomic(): the watchdog fails crypt-lmk and names crypt_iv_lmk_post',
    async () => {
      const run = await boot(
        '6.1',
        '--series',
        series('boot-preempt-imbalance'),
        '--configs',
        'x86_64-dm',
        '--scenarios',
        'crypt-lmk',
        '--suites',
        'none',
      );
      expect(run.code).toBe(1);
      const splats = stage(run, 'boot')!.findings.filter((f) => f.type === 'KERNEL_SPLAT');
      // the message first: when it fails, jest shows the whole excerpt
      expect(splats.map((f) => f.message)).toEqual([
        expect.stringMatching(
          new RegExp(
            '^WARNING: .* preempt_count_sub\\+\\S+ in crypt_iv_lmk_post\\(\\) \\(drivers/md/dm-crypt.c, ' +
              'changed by patch 1\\), during crypt-lmk\\n',
          ),
        ),
      ]);
      expect(splats[0]).toMatchObject({
        tool: 'kernel',
        severity: 'error',
        new: true,
        file: 'drivers/md/dm-crypt.c',
        patch: 1,
        config: 'x86_64-dm',
      });
      // the trace decoded with the tree's decode_stacktrace.sh against the cell's vmlinux
      expect(splats[0]!.message).toMatch(/\n \? crypt_iv_lmk_post \((\S+:\d+ )*drivers\/md\/dm-crypt\.c:\d+\)\n/);
    },
    HOUR,
  );

  onlyExhaustive(
    "6.1: dropping sg->offset in crypt_iv_lmk_post: cryptsetup's loopaes-test, which drives the lmk IV, " +
      'passes on the base kernel and fails on the patched one',
    async () => {
      const run = await boot(
        '6.1',
        '--series',
        series('suite-lmk-corrupts-reads'),
        '--configs',
        'x86_64-dm',
        // a scenario that does not reach lmk: the upstream test alone must catch it
        '--scenarios',
        'crypt-xts-plain64',
      );
      expect(run.code).toBe(1);
      const b = stage(run, 'boot')!;
      const regressions = b.findings.filter((f) => f.type === 'SUITE_REGRESSION');
      expect(regressions.map((f) => f.message.split('\n')[0])).toEqual([
        expect.stringMatching(
          /^cryptsetup:loopaes-test passes on the base kernel and fails on the patched one \(failed 3 of 3 attempts\)$/,
        ),
      ]);
      expect(regressions[0]).toMatchObject({ tool: 'suite', severity: 'error', new: true, config: 'x86_64-dm' });
      expect(regressions[0]!.message).toMatch(/Expecting \S+ got \S+/); // the test's own log
      expect(b.cells![0]!.summary).toMatch(/suite tests: 0? ?.*1 regression/);
      expect(b.findings.filter((f) => f.type === 'SUITE_FAILS_ON_BASE')).toEqual([]);
    },
    HOUR,
  );

  onlyExhaustive(
    '6.1: dropping sg->offset in crypt_iv_tcw_gen: crypt-tcw cannot read its data back; crypt-lmk still passes',
    async () => {
      const run = await boot(
        '6.1',
        '--series',
        series('boot-tcw-corrupts-reads'),
        '--configs',
        'x86_64-dm',
        '--scenarios',
        'crypt-lmk,crypt-tcw',
        '--suites',
        'none',
      );
      expect(run.code).toBe(1);
      const b = stage(run, 'boot')!;
      expect(b.cells![0]!.summary).toMatch(/^1\/2 scenarios passed/);
      const failed = b.findings.filter((f) => f.type === 'SCENARIO_FAILED');
      expect(failed.map((f) => f.message.split('\n')[0])).toEqual([
        'scenario crypt-tcw: ' +
          'read-back of /dev/mapper/kpci-tcw with O_DIRECT differs from what was written (aes-cbc-tcw)',
      ]);
      // writes are right
      expect(b.findings.filter((f) => f.type === 'CIPHERTEXT_DIFFERS' || f.type === 'KERNEL_SPLAT')).toEqual([]);
    },
    HOUR,
  );
});
