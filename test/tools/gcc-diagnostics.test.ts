import { describe, expect, test } from '@jest/globals';
import { parseDiagnostics, parseLinkErrors, treeRelative } from '../../src/tools/gcc-diagnostics.js';
import { fixture } from '../helpers/fixtures.js';

describe('parseDiagnostics on real sparse output from make C=2 with O=', () => {
  test('paths become tree-relative; kbuild progress lines are ignored', () => {
    const diags = parseDiagnostics(fixture('sparse', 'dm-snap-patched.log'), '/tmp/o2/work/linux');
    expect(diags).toEqual([
      {
        file: 'drivers/md/dm-snap.c',
        line: 238,
        column: 14,
        severity: 'warning',
        message: "symbol 'dm_snap_exception_cache_size' was not declared. Should it be static?",
      },
      {
        file: 'drivers/md/dm-snap.c',
        line: 649,
        column: 13,
        severity: 'warning',
        message: "context imbalance in 'dm_exception_table_lock' - wrong count at exit",
      },
      {
        file: 'drivers/md/dm-snap.c',
        line: 655,
        column: 13,
        severity: 'warning',
        message: "context imbalance in 'dm_exception_table_unlock' - unexpected unlock",
      },
    ]);
  });

  test("sparse's continuation lines (same position, indented) join the message they belong to", () => {
    const diags = parseDiagnostics(fixture('sparse', 'raid10-multiline.log'), '/tmp/kt/wt');
    expect(diags[0]).toEqual({
      file: 'drivers/md/raid10.c',
      line: 2050,
      column: 37,
      severity: 'error',
      message:
        'incompatible types in comparison expression (different address spaces): ' +
        'struct md_rdev [noderef] __rcu * struct md_rdev *',
    });
    expect(diags.filter((d) => d.file === 'drivers/md/raid5.h')).toHaveLength(3);
    expect(diags.at(-1)).toMatchObject({
      file: 'drivers/md/dm-era-target.c',
      line: 668,
      message: expect.stringContaining('struct writeset *'),
    });
  });

  test('gcc notes are dropped and ./ prefixes removed', () => {
    const out =
      './include/linux/kernel.h:10:2: warning: unused variable ‘x’ [-Wunused-variable]\n' +
      'drivers/md/dm.c:5:1: note: in expansion of macro';
    expect(parseDiagnostics(out, '/src')).toEqual([
      {
        file: 'include/linux/kernel.h',
        line: 10,
        column: 2,
        severity: 'warning',
        message: 'unused variable ‘x’ [-Wunused-variable]',
      },
    ]);
    expect(treeRelative('/src/drivers/md/dm.c', '/src/')).toBe('drivers/md/dm.c');
  });

  test('paths relative to the O= dir (ccache with CCACHE_BASEDIR) are resolved from it', () => {
    const out =
      "../../linux/drivers/md/dm-log-writes.c:652:13: warning: unused variable 'segments' [-Wunused-variable]";
    expect(parseDiagnostics(out, '/o/work/linux', '/o/work/build/x86_64-dm')).toEqual([
      {
        file: 'drivers/md/dm-log-writes.c',
        line: 652,
        column: 13,
        severity: 'warning',
        message: "unused variable 'segments' [-Wunused-variable]",
      },
    ]);
    expect(treeRelative('./include/generated/autoconf.h', '/o/work/linux', '/o/work/build/x86_64-dm')).toBe(
      'include/generated/autoconf.h',
    );
  });
});

describe('parseLinkErrors', () => {
  // ld's two forms, as it printed them here for u64 / u32 in 32-bit code: without and with the object's debug info
  test('an undefined reference, with or without the debug info that gives its source line', () => {
    const plain = [
      "ld: drivers/md/dm-delay.o: in function `delay_ctr':",
      "dm-delay.c:(.text+0x20): undefined reference to `__udivdi3'",
    ].join('\n');
    const debug = [
      "ld: drivers/md/dm-delay.o: in function `delay_ctr':",
      "/tmp/o/work/build/i386-highmem/../../linux/drivers/md/dm-delay.c:218: undefined reference to `__udivdi3'",
    ].join('\n');
    const want = {
      object: 'drivers/md/dm-delay.o',
      source: 'dm-delay.c',
      function: 'delay_ctr',
      symbol: '__udivdi3',
      message: "undefined reference to `__udivdi3' in delay_ctr()",
    };
    expect(parseLinkErrors(plain)).toEqual([want]);
    expect(parseLinkErrors(debug)).toEqual([{ ...want, line: 218 }]);
  });

  test("modpost's form, and a reference ld pins on the object alone", () => {
    expect(parseLinkErrors('ERROR: modpost: "__udivdi3" [drivers/md/dm-delay.ko] undefined!')).toEqual([
      {
        object: 'drivers/md/dm-delay.ko',
        symbol: '__udivdi3',
        message: "undefined reference to `__udivdi3' (modpost)",
      },
    ]);
    expect(parseLinkErrors("ld: vmlinux.o: undefined reference to `__udivdi3'")).toEqual([
      {
        object: 'vmlinux.o',
        source: undefined,
        function: undefined,
        symbol: '__udivdi3',
        message: "undefined reference to `__udivdi3'",
      },
    ]);
  });
});
