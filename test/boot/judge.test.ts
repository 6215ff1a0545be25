// The boot judge's rules on captured consoles of real guests (test/fixtures/boot), each one firing and not firing.
import { describe, expect, test } from '@jest/globals';
import { fixture } from '../helpers/fixtures.js';
import { parseConsole } from '../../src/boot/console.js';
import { findSplats } from '../../src/boot/watchdog.js';
import { judgeBoot, type BootRecord, type KernelRun } from '../../src/boot/judge.js';
import type { ChangedFunction } from '../../src/series/changed.js';

const PASS_X86_64 = fixture('boot', 'console-x86_64-pass.log');
const PASS_I386 = fixture('boot', 'console-i386-pass.log');
const SPLAT_X86_64 = fixture('boot', 'console-x86_64-preempt-imbalance.log');

const kernel = (console: string, killed?: string): KernelRun => ({
  report: parseConsole(console),
  ...(killed ? { killed } : {}),
});
const LMK_POST: ChangedFunction = {
  file: 'drivers/md/dm-crypt.c',
  name: 'crypt_iv_lmk_post',
  lines: [560],
  patches: [1],
};

function record(patched: KernelRun, base: KernelRun | undefined, extra: Partial<BootRecord> = {}): BootRecord {
  return {
    cell: 'x86_64-dm',
    accel: 'tcg',
    patched,
    ...(base ? { base } : {}),
    highmem: false,
    changed: [],
    sources: new Map(),
    decoded: new Map(),
    coverage: [],
    ...extra,
  };
}

const types = (findings: { type?: string }[]) => findings.map((f) => f.type);

describe('judgeBoot', () => {
  test('a clean boot of both kernels passes, with every finding tagged with its cell', () => {
    const judged = judgeBoot(record(kernel(PASS_X86_64), kernel(PASS_X86_64)), 'new-warning');
    expect(judged).toEqual({
      status: 'pass',
      summary: '13/13 scenarios passed under TCG; ciphertext identical to base',
      findings: [],
    });
  });

  test(
    "a splat only the patched kernel prints is the series' (KERNEL_SPLAT), " +
      'blamed on the changed function it passed through',
    () => {
      const judged = judgeBoot(
        record(kernel(SPLAT_X86_64), kernel(PASS_X86_64), { changed: [LMK_POST] }),
        'new-warning',
      );
      expect(judged.status).toBe('fail');
      const splat = judged.findings.find((f) => f.type === 'KERNEL_SPLAT')!;
      expect(splat).toMatchObject({
        severity: 'error',
        new: true,
        config: 'x86_64-dm',
        file: 'drivers/md/dm-crypt.c',
        line: 560,
        patch: 1,
      });
      expect(splat.message).toMatch(
        new RegExp(
          '^WARNING: CPU: 0 PID: 16 at .*preempt_count_sub\\+0x45/0x89 in crypt_iv_lmk_post\\(\\) ' +
            '\\(drivers/md/dm-crypt\\.c, changed by patch 1\\), during crypt-lmk\\n',
        ),
      );
    },
  );

  test('the same splat on the base kernel is pre-existing (KERNEL_SPLAT_ON_BASE): a warning, not blamed', () => {
    const judged = judgeBoot(record(kernel(SPLAT_X86_64), kernel(SPLAT_X86_64)), 'new-warning');
    expect(types(judged.findings)).toEqual(['KERNEL_SPLAT_ON_BASE']);
    expect(judged.findings[0]).toMatchObject({ severity: 'warning', new: false });
    expect(judged.findings[0]!.message).toMatch(/during crypt-lmk \(pre-existing: the base kernel prints it too\)/);
    expect(judged.status).toBe('pass');
  });

  test('a decoded excerpt replaces the raw one', () => {
    const report = parseConsole(SPLAT_X86_64);
    const line = findSplats(report)[0]!.line;
    const decoded = new Map([[line, ['preempt_count_sub (kernel/sched/core.c:5750)']]]);
    const judged = judgeBoot(record({ report }, kernel(PASS_X86_64), { decoded }), 'new-warning');
    expect(
      judged.findings
        .find((f) => f.type === 'KERNEL_SPLAT')!
        .message.split('\n')
        .slice(1),
    ).toEqual(['preempt_count_sub (kernel/sched/core.c:5750)']);
  });

  test('two queues side by side: a splat is the same splat whichever scenario ran beside it', () => {
    const warn = (t: string) => [
      `[ ${t}] WARNING: CPU: 1 PID: 9 at x.c:1 crypt_iv_lmk_post+0x1/0x2`,
      `[ ${t}] RIP: 0010:crypt_iv_lmk_post+0x1/0x2`,
      `[ ${t}] ---[ end trace 0 ]---`,
    ];
    const guest = (beside: string, t: string) =>
      parseConsole(
        [
          '# kpci-guest 6.1 x86_64 cpus=2',
          'KTAP version 1',
          '1..2',
          '# kpci-begin 1 crypt-lmk',
          `# kpci-begin 2 ${beside}`,
          ...warn(t),
          'ok 1 crypt-lmk',
          `ok 2 ${beside}`,
          '# kpci-end',
        ].join('\n'),
      );
    const patched = guest('lvm-linear', '5.000000');
    const judged = judgeBoot(record({ report: patched }, { report: guest('crypt-tcw', '7.000000') }), 'new-warning');
    expect(types(judged.findings)).toEqual(['KERNEL_SPLAT_ON_BASE']);
    expect(judged.findings[0]!.message).toMatch(/during crypt-lmk and lvm-linear/);
    // a base that never printed it: the series'
    expect(types(judgeBoot(record({ report: patched }, kernel(PASS_X86_64)), 'new-warning').findings)).toEqual([
      'KERNEL_SPLAT',
    ]);
  });

  test(
    'a guest killed part-way: the scenarios that never started are SCENARIO_NOT_RUN, ' +
      'the one cut short has no result',
    () => {
      const lines = PASS_X86_64.split('\n');
      const cut = lines.findIndex((l) => l.includes('# kpci-begin 3 crypt-elephant'));
      expect(cut).toBeGreaterThan(0);
      const judged = judgeBoot(
        record(
          kernel(lines.slice(0, cut + 2).join('\n'), 'scenario crypt-elephant did not finish within 300s'),
          kernel(PASS_X86_64),
        ),
        'new-warning',
      );
      expect(types(judged.findings)).toEqual(['SCENARIO_FAILED', 'SCENARIO_NOT_RUN']);
      expect(judged.findings[0]!.message).toMatch(
        /^scenario crypt-elephant: no result \(scenario crypt-elephant did not finish within 300s\)/,
      );
      expect(judged.findings[1]).toMatchObject({
        severity: 'error',
        message: '10 of 13 scenarios never started (scenario crypt-elephant did not finish within 300s)',
      });
      expect(judged.status).toBe('fail');
      expect(judged.summary).toMatch(/^2\/13 scenarios passed under TCG/);
    },
  );

  test("a scenario that fails on both kernels is pre-existing; failing only when patched, it is the series'", () => {
    const failing = PASS_X86_64.replace('ok 9 lvm-striped', 'not ok 9 lvm-striped # lvcreate failed');
    const both = judgeBoot(record(kernel(failing), kernel(failing)), 'new-warning');
    expect(both.findings).toEqual([
      expect.objectContaining({ type: 'SCENARIO_FAILS_ON_BASE', severity: 'warning', new: false }),
    ]);
    expect(both.findings[0]!.message).toMatch(
      /^scenario lvm-striped: lvcreate failed \(pre-existing: it fails on the base kernel too\)/,
    );
    expect(both.status).toBe('pass');
    const patchedOnly = judgeBoot(record(kernel(failing), kernel(PASS_X86_64)), 'new-warning');
    expect(patchedOnly.findings).toEqual([
      expect.objectContaining({ type: 'SCENARIO_FAILED', severity: 'error', new: true }),
    ]);
    expect(patchedOnly.status).toBe('fail');
  });

  test("ciphertext that differs from the base kernel's is CIPHERTEXT_DIFFERS, named by its scenario and label", () => {
    const other = PASS_X86_64.replace('# kpci-hash tcw d2d5de68', '# kpci-hash tcw 00000000');
    const judged = judgeBoot(record(kernel(other), kernel(PASS_X86_64)), 'new-warning');
    expect(judged.findings).toEqual([
      expect.objectContaining({ type: 'CIPHERTEXT_DIFFERS', severity: 'error', new: true, config: 'x86_64-dm' }),
    ]);
    expect(judged.findings[0]!.message).toMatch(
      new RegExp(
        '^scenario crypt-tcw: the ciphertext written by tcw under the patched kernel differs from the base ' +
          "kernel's \\(sha256 00000000ee87f16d… vs d2d5de68ee87f16d…\\)",
      ),
    );
    expect(judged.summary).toBe('13/13 scenarios passed under TCG; ciphertext DIFFERS from base');
    // without a base kernel there is nothing to compare
    expect(judgeBoot(record(kernel(other), undefined), 'new-warning').findings).toEqual([]);
  });

  test('a HIGHMEM config whose guest has no high memory is NO_HIGHMEM; the i386 guest with 2 GiB has it', () => {
    const none = judgeBoot(record(kernel(PASS_X86_64), kernel(PASS_X86_64), { highmem: true }), 'new-warning');
    expect(none.findings).toEqual([expect.objectContaining({ type: 'NO_HIGHMEM', severity: 'warning', new: false })]);
    const i386 = judgeBoot(
      record(kernel(PASS_I386), kernel(PASS_I386), { cell: 'i386-highmem', highmem: true }),
      'new-warning',
    );
    expect(types(i386.findings)).not.toContain('NO_HIGHMEM');
    expect(i386.summary).toMatch(/; HighTotal \d+ MiB$/);
  });

  test(
    'a patched kernel that never reaches init: BOOT_FAILED, ' +
      'an error of the cell when the base did not boot either',
    () => {
      const lines = PASS_X86_64.split('\n');
      const dead = [
        ...lines.slice(
          0,
          lines.findIndex((l) => l.startsWith('# kpci-guest')),
        ),
        '[    2.000000] Kernel panic - not syncing: VFS: Unable to mount root fs',
      ].join('\n');
      const patchedOnly = judgeBoot(
        record(kernel(dead, 'the kernel did not start our init within 120s'), kernel(PASS_X86_64)),
        'new-warning',
      );
      expect(patchedOnly.findings[0]).toMatchObject({ type: 'BOOT_FAILED', severity: 'error', new: true });
      expect(patchedOnly.findings[0]!.message).toMatch(
        new RegExp(
          '^the patched x86_64-dm kernel did not reach our init \\(the kernel did not start our init ' +
            'within 120s\\)\\. Last console lines:\\n',
        ),
      );
      expect(patchedOnly.findings[0]!.message).toContain('Kernel panic - not syncing');
      expect(patchedOnly.status).toBe('fail');
      const neither = judgeBoot(record(kernel(dead), kernel(dead)), 'new-warning');
      expect(neither.findings[0]).toMatchObject({ type: 'BOOT_FAILED', severity: 'warning', new: false });
      expect(neither.status).toBe('error');
    },
  );

  test(
    'coverage rows become CHANGE_EXECUTED and CHANGE_NOT_REACHED (with the ' +
      "guest's reason), and a count in the summary",
    () => {
      const coverage = [
        {
          file: 'drivers/md/dm-crypt.c',
          name: 'crypt_iv_lmk_post',
          calls: 12,
          linesWithCode: 4,
          linesRun: 4,
          patches: [1],
        },
        {
          file: 'drivers/md/dm-crypt.c',
          name: 'crypt_iv_tcw_whitening',
          calls: 0,
          linesWithCode: 2,
          linesRun: 0,
          patches: [1],
          notReachedBecause: 'only TrueCrypt volumes',
        },
        { file: 'drivers/md/dm-log-writes.c', name: 'log_one_block', linesWithCode: 0, linesRun: 0, patches: [2] },
      ];
      const changed = [LMK_POST, { ...LMK_POST, name: 'crypt_iv_tcw_whitening', lines: [640] }];
      const judged = judgeBoot(record(kernel(PASS_X86_64), kernel(PASS_X86_64), { coverage, changed }), 'new-warning');
      expect(judged.findings).toEqual([
        expect.objectContaining({
          type: 'CHANGE_EXECUTED',
          severity: 'info',
          line: 560,
          message: 'crypt_iv_lmk_post() executed 12 times; 4/4 changed lines ran',
        }),
        expect.objectContaining({
          type: 'CHANGE_NOT_REACHED',
          severity: 'info',
          line: 640,
          message: 'crypt_iv_tcw_whitening() was not reached by any scenario that ran: only TrueCrypt volumes',
        }),
      ]);
      expect(judged.summary).toBe(
        '13/13 scenarios passed under TCG; ciphertext identical to base; 1/3 changed functions executed',
      );
      expect(judged.status).toBe('pass');
    },
  );
});
