import { describe, expect, test } from '@jest/globals';
import { LiveConsole } from '../../src/boot/guest-run.js';

const limits = { bootTimeoutMs: 10_000, scenarioTimeoutMs: 60_000 };

describe('LiveConsole: what the host watchdog reads off the live console', () => {
  test('a kernel that never starts our init is overdue at the boot timeout', () => {
    const live = new LiveConsole(0);
    live.line('[    1.000000] Run /init as init process', 1_000);
    expect(live.overdue(9_000, limits)).toBeUndefined();
    expect(live.overdue(10_001, limits)).toBe('the kernel did not start our init within 10s');
  });

  test('the LVM queue hangs while the raw queue finishes: the hung scenario is still timed', () => {
    const live = new LiveConsole(0);
    live.line('# kpci-guest 6.1.0 i686 cpus=2', 5_000);
    live.line('# kpci-begin 8 lvm-linear', 6_000);
    live.line('# kpci-begin 1 crypt-lmk', 6_100);
    live.line('ok 8 lvm-linear', 10_000);
    live.line('# kpci-begin 9 lvm-raid1', 10_200);
    live.line('ok 1 crypt-lmk', 12_000);
    live.line('# kpci-begin 2 crypt-tcw', 12_100);
    live.line('ok 2 crypt-tcw', 14_000); // the raw queue is done; lvm-raid1 never reports
    expect(live.firstScenarioAt).toBe(6_000);
    expect(live.overdue(70_000, limits)).toBeUndefined();
    expect(live.overdue(70_201, limits)).toBe('scenario lvm-raid1 did not finish within 60s');
  });

  test('a scenario that reports, even with a skip or a failure, is no longer timed', () => {
    const live = new LiveConsole(0);
    live.line('# kpci-guest 6.1.0 x86_64 cpus=2', 1_000);
    live.line('# kpci-begin 1 verity', 2_000);
    live.line('# kpci-begin 2 lvm-thin', 2_000);
    live.line('not ok 1 verity # dm-verity returned a corrupted block', 3_000);
    live.line('ok 2 lvm-thin # SKIP lvm does not answer within 10 s in this guest', 3_000);
    expect(live.overdue(1_000_000, limits)).toBeUndefined();
  });
});
