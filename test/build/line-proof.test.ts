import { describe, expect, test } from '@jest/globals';
import { savedCompileCommand } from '../../src/build/line-proof.js';
import { preprocessCommand, shellWords } from '../../src/kernel/cpp-lines.js';

// drivers/md/.dm-crypt.o.cmd as kbuild wrote it in this project's runs: 6.1 (x86_64, "cmd_", objtool after ";") and
// 6.12 (i386, "savedcmd_"). The compile command is verbatim (cut into pieces here only to keep lines short); of the
// dependency list only the first and last lines are kept.
const dmCrypt61Command = [
  'cmd_drivers/md/dm-crypt.o := ccache gcc -Wp,-MMD,drivers/md/.dm-crypt.o.d -nostdinc ',
  '-I/tmp/kernel-patch-ci-test-cache/out/linux-source-6.1/work/linux/arch/x86/include ',
  '-I./arch/x86/include/generated -I/tmp/kernel-patch-ci-test-cache/out/linux-source-6.1/work/linux/include ',
  '-I./include -I/tmp/kernel-patch-ci-test-cache/out/linux-source-6.1/work/linux/arch/x86/include/uapi ',
  '-I./arch/x86/include/generated/uapi ',
  '-I/tmp/kernel-patch-ci-test-cache/out/linux-source-6.1/work/linux/include/uapi -I./include/generated/uapi ',
  '-include /tmp/kernel-patch-ci-test-cache/out/linux-source-6.1/work/linux/include/linux/compiler-version.h ',
  '-include /tmp/kernel-patch-ci-test-cache/out/linux-source-6.1/work/linux/include/linux/kconfig.h -include ',
  '/tmp/kernel-patch-ci-test-cache/out/linux-source-6.1/work/linux/include/linux/compiler_types.h -D__KERNEL__ ',
  '-fmacro-prefix-map=/tmp/kernel-patch-ci-test-cache/out/linux-source-6.1/work/linux/= -Wall -Wundef ',
  '-Werror=strict-prototypes -Wno-trigraphs -fno-strict-aliasing -fno-common -fshort-wchar -fno-PIE ',
  '-Werror=implicit-function-declaration -Werror=implicit-int -Werror=return-type -Wno-format-security ',
  '-std=gnu11 -mno-sse -mno-mmx -mno-sse2 -mno-3dnow -mno-avx -fcf-protection=none -m64 -falign-jumps=1 ',
  '-falign-loops=1 -mno-80387 -mno-fp-ret-in-387 -mpreferred-stack-boundary=3 -mskip-rax-setup -mtune=generic ',
  '-mno-red-zone -mcmodel=kernel -Wno-sign-compare -fno-asynchronous-unwind-tables ',
  '-mindirect-branch=thunk-extern -mindirect-branch-register -mindirect-branch-cs-prefix ',
  '-mfunction-return=thunk-extern -fno-jump-tables -fno-delete-null-pointer-checks -Wno-frame-address ',
  '-Wno-format-truncation -Wno-format-overflow -Wno-address-of-packed-member -O2 -fno-allow-store-data-races ',
  '-Wframe-larger-than=2048 -fstack-protector-strong -Wno-main -Wno-unused-but-set-variable ',
  '-Wno-unused-const-variable -Wno-dangling-pointer -fomit-frame-pointer -ftrivial-auto-var-init=zero ',
  '-fno-stack-clash-protection -Wvla -Wno-pointer-sign -Wcast-function-type -Wno-stringop-truncation ',
  '-Wno-stringop-overflow -Wno-restrict -Wno-maybe-uninitialized -Werror -Wno-array-bounds ',
  '-Wno-alloc-size-larger-than -Wimplicit-fallthrough=5 -fno-strict-overflow -fno-stack-check -fconserve-stack ',
  '-Werror=date-time -Werror=incompatible-pointer-types -Werror=designated-init -fno-builtin-wcslen ',
  '-Wno-packed-not-aligned -I /tmp/kernel-patch-ci-test-cache/out/linux-source-6.1/work/linux/drivers/md -I ',
  './drivers/md    -DKBUILD_MODFILE=\'"drivers/md/dm-crypt"\' -DKBUILD_BASENAME=\'"dm_crypt"\' ',
  '-DKBUILD_MODNAME=\'"dm_crypt"\' -D__KBUILD_MODNAME=kmod_dm_crypt -c -o drivers/md/dm-crypt.o ',
  '/tmp/kernel-patch-ci-test-cache/out/linux-source-6.1/work/linux/drivers/md/dm-crypt.c   ; ',
  './tools/objtool/objtool --hacks=jump_label --hacks=noinstr --orc --retpoline --rethunk --static-call ',
  '--uaccess   drivers/md/dm-crypt.o',
].join('');

const dmCrypt61 = [
  dmCrypt61Command,
  '',
  'source_drivers/md/dm-crypt.o := ../linux/drivers/md/dm-crypt.c',
  '',
  'deps_drivers/md/dm-crypt.o := \\',
  '    $(wildcard include/config/BLK_DEV_INTEGRITY) \\',
  '    $(wildcard include/config/KEYS) \\',
  '    $(wildcard include/config/ENCRYPTED_KEYS) \\',
  '    $(wildcard include/config/TRUSTED_KEYS) \\',
  '    $(wildcard include/config/BLK_DEV_ZONED) \\',
  '  ../linux/include/linux/compiler-version.h \\',
  '    $(wildcard include/config/CC_VERSION_TEXT) \\',
  'drivers/md/dm-crypt.o: $(deps_drivers/md/dm-crypt.o)',
  '',
  '$(deps_drivers/md/dm-crypt.o):',
  '',
  'drivers/md/dm-crypt.o: $(wildcard ./tools/objtool/objtool)',
  '',
].join('\n');

const dmCrypt612Command = [
  'savedcmd_drivers/md/dm-crypt.o := ccache gcc -Wp,-MMD,drivers/md/.dm-crypt.o.d -nostdinc ',
  '-I/tmp/kernel-patch-ci-test-cache/out/linux-source-6.12/work/linux/arch/x86/include ',
  '-I./arch/x86/include/generated -I/tmp/kernel-patch-ci-test-cache/out/linux-source-6.12/work/linux/include ',
  '-I./include -I/tmp/kernel-patch-ci-test-cache/out/linux-source-6.12/work/linux/arch/x86/include/uapi ',
  '-I./arch/x86/include/generated/uapi ',
  '-I/tmp/kernel-patch-ci-test-cache/out/linux-source-6.12/work/linux/include/uapi -I./include/generated/uapi ',
  '-include /tmp/kernel-patch-ci-test-cache/out/linux-source-6.12/work/linux/include/linux/compiler-version.h ',
  '-include /tmp/kernel-patch-ci-test-cache/out/linux-source-6.12/work/linux/include/linux/kconfig.h -include ',
  '/tmp/kernel-patch-ci-test-cache/out/linux-source-6.12/work/linux/include/linux/compiler_types.h -D__KERNEL__ ',
  '-fmacro-prefix-map=/tmp/kernel-patch-ci-test-cache/out/linux-source-6.12/work/linux/= -std=gnu11 ',
  '-fshort-wchar -funsigned-char -fno-common -fno-PIE -fno-strict-aliasing -mno-sse -mno-mmx -mno-sse2 ',
  '-mno-3dnow -mno-avx -fcf-protection=none -m32 -msoft-float -mregparm=3 -freg-struct-return -fno-pic ',
  '-mpreferred-stack-boundary=2 -march=i686 -Wa,-mtune=generic32 -ffreestanding -Wno-sign-compare ',
  '-fno-asynchronous-unwind-tables -fno-delete-null-pointer-checks -Os -fno-allow-store-data-races ',
  '-fno-stack-protector -fomit-frame-pointer -ftrivial-auto-var-init=zero -fno-stack-clash-protection ',
  '-falign-functions=4 -fno-strict-overflow -fno-stack-check -fconserve-stack -fno-builtin-wcslen ',
  '-fno-builtin-wcslen -Wall -Wextra -Wundef -Werror=implicit-function-declaration -Werror=implicit-int ',
  '-Werror=return-type -Werror=strict-prototypes -Wno-format-security -Wno-trigraphs -Wno-frame-address ',
  '-Wno-address-of-packed-member -Wmissing-declarations -Wmissing-prototypes -Wframe-larger-than=1024 -Wno-main ',
  '-Wno-dangling-pointer -Wvla -Wno-pointer-sign -Wcast-function-type -Wno-array-bounds -Wno-stringop-overflow ',
  '-Wno-alloc-size-larger-than -Wimplicit-fallthrough=5 -Werror=date-time -Werror=incompatible-pointer-types ',
  '-Werror=designated-init -Wenum-conversion -Wunused -Wno-unused-but-set-variable -Wno-unused-const-variable ',
  '-Wno-packed-not-aligned -Wno-format-overflow -Wno-format-truncation -Wno-stringop-truncation ',
  '-Wno-override-init -Wno-missing-field-initializers -Wno-type-limits -Wno-shift-negative-value ',
  '-Wno-maybe-uninitialized -Wno-sign-compare -Wno-unused-parameter  ',
  '-I/tmp/kernel-patch-ci-test-cache/out/linux-source-6.12/work/linux/drivers/md -Idrivers/md    ',
  '-DKBUILD_MODFILE=\'"drivers/md/dm-crypt"\' -DKBUILD_BASENAME=\'"dm_crypt"\' -DKBUILD_MODNAME=\'"dm_crypt"\' ',
  '-D__KBUILD_MODNAME=kmod_dm_crypt -c -o drivers/md/dm-crypt.o ',
  '/tmp/kernel-patch-ci-test-cache/out/linux-source-6.12/work/linux/drivers/md/dm-crypt.c  ',
].join('');

const dmCrypt612 = [
  dmCrypt612Command,
  '',
  'source_drivers/md/dm-crypt.o := ../../linux/drivers/md/dm-crypt.c',
  '',
  'deps_drivers/md/dm-crypt.o := \\',
  '    $(wildcard include/config/BLK_DEV_INTEGRITY) \\',
  '    $(wildcard include/config/KEYS) \\',
  '    $(wildcard include/config/ENCRYPTED_KEYS) \\',
  '    $(wildcard include/config/TRUSTED_KEYS) \\',
  '    $(wildcard include/config/BLK_DEV_ZONED) \\',
  '  ../../linux/include/linux/compiler-version.h \\',
  '    $(wildcard include/config/CC_VERSION_TEXT) \\',
  '  ../../linux/include/uapi/linux/fanotify.h \\',
  '',
  'drivers/md/dm-crypt.o: $(deps_drivers/md/dm-crypt.o)',
  '',
  '$(deps_drivers/md/dm-crypt.o):',
  '',
].join('\n');

describe('savedCompileCommand', () => {
  test('6.1 writes "cmd_<object> := <command>"', () => {
    expect(savedCompileCommand(dmCrypt61)).toBe(dmCrypt61Command.replace(/^cmd_drivers\/md\/dm-crypt\.o := /, ''));
    expect(savedCompileCommand(dmCrypt61)).toMatch(
      new RegExp(
        '^ccache gcc -Wp,-MMD,drivers/md/\\.dm-crypt\\.o\\.d .* -c -o drivers/md/dm-crypt\\.o ' +
          '\\S+/drivers/md/dm-crypt\\.c {3}; \\./tools/objtool/objtool .* drivers/md/dm-crypt\\.o$',
      ),
    );
  });

  test('6.3 and later write "savedcmd_<object> := <command>"', () => {
    const command = savedCompileCommand(dmCrypt612);
    expect(command).toBe(dmCrypt612Command.replace(/^savedcmd_drivers\/md\/dm-crypt\.o := /, ''));
    expect(command).toMatch(
      /^ccache gcc .* -m32 .* -c -o drivers\/md\/dm-crypt\.o \S+\/linux\/drivers\/md\/dm-crypt\.c\s*$/,
    );
  });

  test('neither the source_ nor the deps_ line is taken for the command, wherever the cmd line is', () => {
    const reordered = [
      'source_drivers/md/dm-crypt.o := ../linux/drivers/md/dm-crypt.c',
      '',
      'deps_drivers/md/dm-crypt.o := \\',
      '  include/linux/kconfig.h \\',
      '',
      dmCrypt61Command,
    ].join('\n');
    expect(savedCompileCommand(reordered)).toBe(savedCompileCommand(dmCrypt61));
    expect(savedCompileCommand(dmCrypt61.split('\n').slice(1).join('\n'))).toBeUndefined();
    expect(savedCompileCommand('')).toBeUndefined();
    // a line merely containing "cmd_" is not one
    expect(savedCompileCommand('  $(wildcard include/config/cmd_X) := y\n')).toBeUndefined();
  });

  test("the saved command, read as shell words, preprocesses the marked copy with the object's own flags", () => {
    for (const cmd of [dmCrypt61, dmCrypt612]) {
      const words = shellWords(savedCompileCommand(cmd)!);
      expect(words.slice(0, 2)).toEqual(['ccache', 'gcc']);
      expect(words.at(-1)).toMatch(/\/drivers\/md\/dm-crypt\.c$/);
      expect(words).toContain('-DKBUILD_MODNAME="dm_crypt"');
      expect(words.some((w) => w.includes('objtool'))).toBe(false);
      const args = preprocessCommand(
        words,
        '/build/.kpci-lines/drivers__md__dm-crypt.c',
        '/build/.kpci-lines/drivers__md__dm-crypt.c.i',
      );
      expect(args[0]).toBe('gcc');
      expect(args.slice(-5)).toEqual([
        '/build/.kpci-lines/drivers__md__dm-crypt.c',
        '-E',
        '-CC',
        '-o',
        '/build/.kpci-lines/drivers__md__dm-crypt.c.i',
      ]);
      expect(args.filter((a) => a === '-c' || a === 'drivers/md/dm-crypt.o' || a.startsWith('-Wp,'))).toEqual([]);
      // the flags that decide which branches are taken are all still there
      for (const flag of ['-nostdinc', '-D__KERNEL__', '-D__KBUILD_MODNAME=kmod_dm_crypt'])
        expect(args).toContain(flag);
      expect(args.filter((a) => a === '-include')).toHaveLength(3);
    }
  });
});
