import { describe, expect, test } from '@jest/globals';
import { fixture } from '../helpers/fixtures.js';
import { parseConsole } from '../../src/boot/console.js';
import { blameChanged, findSplats, isTrigger, splatKey } from '../../src/boot/watchdog.js';

describe('kernel log watchdog', () => {
  test('clean real runs have no splat (LVM\'s own "WARNING:" lines are userspace, not kernel)', () => {
    expect(findSplats(parseConsole(fixture('boot', 'console-x86_64-pass.log')))).toEqual([]);
    expect(findSplats(parseConsole(fixture('boot', 'console-i386-pass.log')))).toEqual([]);
  });

  test(
    'kmap_local_page() unmapped with kunmap_atomic(): the preempt-count warning, ' +
      'in crypt-lmk, through crypt_iv_lmk_post',
    () => {
      const splats = findSplats(parseConsole(fixture('boot', 'console-x86_64-preempt-imbalance.log')));
      expect(splats).toHaveLength(1);
      const s = splats[0]!;
      expect(s.title).toBe('WARNING: CPU: 0 PID: 16 at kernel/sched/core.c:5750 preempt_count_sub+0x45/0x89');
      expect(s.scenario).toBe('crypt-lmk');
      expect(s.functions.slice(0, 3)).toEqual([
        'preempt_count_sub',
        '__kunmap_atomic.constprop.0',
        'crypt_iv_lmk_post',
      ]);
      expect(s.excerpt[0]).toBe('DEBUG_LOCKS_WARN_ON(val > preempt_count())');
      expect(s.excerpt.at(-1)).toMatch(/^---\[ end trace/);
    },
  );

  test(
    'the same splat on another boot has the same key, ' +
      'whichever scenarios ran beside it; another function does not',
    () => {
      const s = findSplats(parseConsole(fixture('boot', 'console-x86_64-preempt-imbalance.log')))[0]!;
      const again = { ...s, title: s.title.replace('PID: 16', 'PID: 231').replace('0x45/0x89', '0x47/0x90') };
      expect(splatKey(again)).toBe(splatKey(s));
      expect(splatKey({ ...s, scenario: 'crypt-lmk and lvm-linear' })).toBe(splatKey(s));
      expect(splatKey({ ...s, functions: ['other_fn'] })).not.toBe(splatKey(s));
    },
  );

  test(
    'two queues side by side: a splat is blamed on every scenario running then, ' +
      'late messages on the one just done',
    () => {
      const warn = (t: string, fn: string) => [
        `[ ${t}] WARNING: CPU: 0 PID: 7 at x.c:1 ${fn}+0x1/0x2`,
        `[ ${t}] RIP: 0010:${fn}+0x1/0x2`,
        `[ ${t}] ---[ end trace 0 ]---`,
      ];
      const r = parseConsole(
        [
          '# kpci-guest 6.1 x86_64 cpus=2',
          'KTAP version 1',
          '1..3',
          '# kpci-begin 2 lvm-linear',
          '# kpci-begin 1 crypt-lmk',
          ...warn('5.000000', 'both'),
          '# kpci-time crypt-lmk 6.0',
          'ok 1 crypt-lmk',
          ...warn('6.100000', 'lvm_only'),
          '# kpci-time lvm-linear 7.0',
          'ok 2 lvm-linear',
          ...warn('7.100000', 'late'),
          '# kpci-begin 3 lvm-thin',
          '# kpci-time lvm-thin 8.0',
          'ok 3 lvm-thin',
          '# kpci-end',
          ...warn('9.000000', 'poweroff'),
        ].join('\n'),
      );
      expect(findSplats(r).map((s) => [s.functions[0], s.scenario])).toEqual([
        ['both', 'lvm-linear and crypt-lmk'],
        ['lvm_only', 'lvm-linear'],
        ['late', 'lvm-linear'],
        ['poweroff', 'shutdown'],
      ]);
    },
  );

  test('each kind of report the kernel prints is a trigger; ordinary messages are not', () => {
    for (const m of [
      'BUG: scheduling while atomic: kworker/0:1/12/0x00000002',
      'BUG: sleeping function called from invalid context at mm/slab.c:1',
      'WARNING: possible circular locking dependency detected',
      'BUG: KASAN: slab-out-of-bounds in crypt_iv_elephant+0x1/0x2',
      'Oops: 0000 [#1] PREEMPT SMP',
      'Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100',
      'note: kworker/0:1[12] exited with preempt_count 1',
    ])
      expect(isTrigger(m)).toBe(true);
    for (const m of [
      'device-mapper: verity: 252:0: data block 1 is corrupted',
      'Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar',
      'init (73): drop_caches: 3',
    ])
      expect(isTrigger(m)).toBe(false);
  });

  test('splats before our init are blamed on boot', () => {
    const r = parseConsole(
      [
        '[ 0.1] WARNING: CPU: 0 PID: 1 at x.c:1 f+0x1/0x2',
        '[ 0.2] ---[ end trace 0 ]---',
        '# kpci-guest 6.1 x86_64 cpus=1',
      ].join('\n'),
    );
    expect(findSplats(r).map((s) => s.scenario)).toEqual(['boot']);
  });
});

describe('which changed function a splat is about', () => {
  const changed = [{ file: 'drivers/md/md-bitmap.c', name: 'md_bitmap_file_set_bit', lines: [1164], patches: [1] }];
  const sources = new Map([['drivers/md/md-bitmap.c', fixture('boot', 'md-bitmap-preempt-imbalance.c')]]);

  test(
    'the same kunmap_atomic() mistake in md-bitmap on i386: ' +
      'the count trips in the caller, which calls the changed function',
    () => {
      const splats = findSplats(parseConsole(fixture('boot', 'console-i386-md-preempt-imbalance.log')));
      expect(splats.map((s) => [s.scenario, s.functions[0]])).toEqual([['md-raid1-bitmap', 'preempt_count_sub']]);
      expect(splats[0]!.functions).not.toContain('md_bitmap_file_set_bit');
      const blame = blameChanged(splats[0]!, changed, sources);
      expect(blame?.fn.name).toBe('md_bitmap_file_set_bit');
      expect(blame?.via).toBe('bitmap_startwrite');
    },
  );

  test(
    'a changed function in the trace is blamed directly; ' + 'a splat no changed code leads to is blamed on nothing',
    () => {
      const s = findSplats(parseConsole(fixture('boot', 'console-x86_64-preempt-imbalance.log')))[0]!;
      const lmk = [{ file: 'drivers/md/dm-crypt.c', name: 'crypt_iv_lmk_post', lines: [567], patches: [1] }];
      expect(blameChanged(s, lmk, new Map())).toEqual({ fn: lmk[0] });
      expect(blameChanged(s, changed, sources)).toBeUndefined();
    },
  );
});
