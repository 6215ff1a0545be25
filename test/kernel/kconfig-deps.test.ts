import { describe, expect, test } from '@jest/globals';
import {
  evaluate,
  parseExpr,
  parseKconfig,
  requiredSymbols,
  show,
  unmetTerms,
  whyOff,
  type Expr,
} from '../../src/kernel/kconfig-deps.js';
import { parseConfig } from '../../src/kernel/kconfig.js';

const expr = (text: string): Expr => {
  const e = parseExpr(text);
  if (!e) throw new Error(`does not parse: ${text}`);
  return e;
};
const sym = (name: string): Expr => ({ kind: 'symbol', name });

describe('parseExpr', () => {
  test('&& binds tighter than ||, ! tighter than both, a comparison tighter than !', () => {
    expect(parseExpr('SWAP && ARCH_HIBERNATION_POSSIBLE')).toEqual({
      kind: 'and',
      left: sym('SWAP'),
      right: sym('ARCH_HIBERNATION_POSSIBLE'),
    });
    expect(parseExpr('!64BIT || X86_PAE && HIGHMEM')).toEqual({
      kind: 'or',
      left: { kind: 'not', operand: sym('64BIT') },
      right: { kind: 'and', left: sym('X86_PAE'), right: sym('HIGHMEM') },
    });
    expect(parseExpr('!ENCRYPTED_KEYS=n')).toEqual({
      kind: 'not',
      operand: { kind: 'compare', op: '=', left: 'ENCRYPTED_KEYS', right: 'n' },
    });
  });

  test('parentheses, comparisons with and without spaces, quoted values', () => {
    // drivers/md/Kconfig, DM_CRYPT
    expect(parseExpr('(ENCRYPTED_KEYS || ENCRYPTED_KEYS=n)')).toEqual({
      kind: 'or',
      left: sym('ENCRYPTED_KEYS'),
      right: { kind: 'compare', op: '=', left: 'ENCRYPTED_KEYS', right: 'n' },
    });
    expect(parseExpr('NR_CPUS >= 4')).toEqual({ kind: 'compare', op: '>=', left: 'NR_CPUS', right: '4' });
    expect(parseExpr('CC_IS_CLANG && CLANG_VERSION<150000')).toMatchObject({
      kind: 'and',
      right: { kind: 'compare', op: '<', right: '150000' },
    });
    // a quoted side is kept quoted: it is a constant, not a symbol
    // (arch/x86/Kconfig: "CMDLINE_BOOL && CMDLINE != \"\"")
    expect(parseExpr('CMDLINE != ""')).toEqual({ kind: 'compare', op: '!=', left: 'CMDLINE', right: '""' });
    expect(parseExpr('PANEL_PROFILE="0"')).toEqual({ kind: 'compare', op: '=', left: 'PANEL_PROFILE', right: '"0"' });
    expect(parseExpr('!(KASAN || KCSAN) || GCC_VERSION >= 130300')).toMatchObject({
      kind: 'or',
      left: { kind: 'not', operand: { kind: 'or' } },
    });
  });

  test('broken or unfinished expressions are undefined', () => {
    for (const bad of [
      '',
      'A &&',
      '(A || B',
      'A B',
      '&& A',
      'A = ',
      'A || ) B',
      'A ~ B',
      '$(cc-option,-fstack-protector)',
    ]) {
      expect(parseExpr(bad)).toBeUndefined();
    }
  });
});

describe('evaluate', () => {
  const config = parseConfig(
    'CONFIG_SWAP=y\nCONFIG_BLK_DEV_DM=m\n# CONFIG_HIGHMEM is not set\nCONFIG_NR_CPUS=64\n' +
      'CONFIG_GCC_VERSION=120200\nCONFIG_ARCH="x86"\n',
  );

  test('tristate logic: unset is n, ! turns m into m, && is min and || is max', () => {
    expect(evaluate(expr('SWAP'), config)).toBe(2);
    expect(evaluate(expr('BLK_DEV_DM'), config)).toBe(1);
    expect(evaluate(expr('HIGHMEM'), config)).toBe(0);
    expect(evaluate(expr('NEVER_HEARD_OF'), config)).toBe(0);
    expect(evaluate(expr('!BLK_DEV_DM'), config)).toBe(1);
    expect(evaluate(expr('!HIGHMEM'), config)).toBe(2);
    expect(evaluate(expr('SWAP && BLK_DEV_DM'), config)).toBe(1);
    expect(evaluate(expr('HIGHMEM || BLK_DEV_DM'), config)).toBe(1);
    expect(evaluate(expr('y && !n'), config)).toBe(2);
    expect(evaluate(expr('m'), config)).toBe(1);
  });

  test(
    'DM_CRYPT\'s "(ENCRYPTED_KEYS || ENCRYPTED_KEYS=n)" holds ' + 'when the keys are off or built in, and caps at m',
    () => {
      const dep = expr('(ENCRYPTED_KEYS || ENCRYPTED_KEYS=n)');
      expect(evaluate(dep, new Map())).toBe(2);
      expect(evaluate(dep, new Map([['ENCRYPTED_KEYS', 'y']]))).toBe(2);
      expect(evaluate(dep, new Map([['ENCRYPTED_KEYS', 'm']]))).toBe(1);
    },
  );

  test('comparisons: numbers as numbers, strings as strings, symbols by their values', () => {
    expect(evaluate(expr('NR_CPUS >= 4'), config)).toBe(2);
    expect(evaluate(expr('NR_CPUS > 100'), config)).toBe(0);
    expect(evaluate(expr('GCC_VERSION < 90100'), config)).toBe(0); // 120200 < 90100 would hold as strings
    expect(evaluate(expr('GCC_VERSION >= 100100'), config)).toBe(2);
    expect(evaluate(expr('ARCH = "x86"'), config)).toBe(2);
    expect(evaluate(expr('ARCH != "x86"'), config)).toBe(0);
    expect(evaluate(expr('ARCH = x86'), config)).toBe(0); // unquoted, x86 is a symbol, and unset
    expect(evaluate(expr('CMDLINE != ""'), parseConfig('CONFIG_CMDLINE=""\n'))).toBe(0);
    expect(evaluate(expr('CMDLINE != ""'), parseConfig('CONFIG_CMDLINE="console=ttyS0"\n'))).toBe(2);
    expect(evaluate(expr('NR_CPUS = "64"'), config)).toBe(2);
    expect(evaluate(expr('BLK_DEV_DM = m'), config)).toBe(2);
    expect(evaluate(expr('BLK_DEV_DM = SWAP'), config)).toBe(0);
    expect(evaluate(expr('HIGHMEM = n'), config)).toBe(2);
  });
});

describe('requiredSymbols, show and unmetTerms', () => {
  test('only the top-level conjunction is required', () => {
    expect(requiredSymbols(expr('SWAP && ARCH_HIBERNATION_POSSIBLE'))).toEqual(['SWAP', 'ARCH_HIBERNATION_POSSIBLE']);
    expect(requiredSymbols(expr('BLOCK && (A || B) && !C && y && NR_CPUS > 1'))).toEqual(['BLOCK']);
    expect(requiredSymbols(expr('A || B'))).toEqual([]);
  });

  test('show writes Kconfig back, with parentheses only where precedence needs them', () => {
    for (const text of [
      'SWAP && ARCH_HIBERNATION_POSSIBLE',
      '!64BIT || X86_PAE',
      'A && (B || C)',
      '!(A && B)',
      'NR_CPUS>=4',
      '(A || B) && !C=n',
      'CMDLINE!=""',
    ]) {
      expect(show(expr(text))).toBe(text);
      expect(parseExpr(show(expr(text)))).toEqual(expr(text));
    }
    expect(show(expr('A || B && C'))).toBe('A || (B && C)');
  });

  test('the conjuncts that are false in a config', () => {
    const config = new Map([
      ['ARCH_HIBERNATION_POSSIBLE', 'y'],
      ['64BIT', 'y'],
    ]);
    expect(unmetTerms(expr('SWAP && ARCH_HIBERNATION_POSSIBLE'), config)).toEqual(['SWAP']);
    expect(unmetTerms(expr('SWAP && !64BIT && (X86_PAE || HIGHMEM64G)'), config)).toEqual([
      'SWAP',
      '!64BIT',
      'X86_PAE || HIGHMEM64G',
    ]);
    expect(unmetTerms(expr('SWAP || ARCH_HIBERNATION_POSSIBLE'), config)).toEqual([]);
  });
});

// kernel/power/Kconfig of 6.1 (help texts cut), and the shape of drivers/md/Kconfig: a menuconfig, an if block.
const power = `# SPDX-License-Identifier: GPL-2.0-only
config SUSPEND
	bool "Suspend to RAM and standby"
	depends on ARCH_SUSPEND_POSSIBLE
	default y
	help
	  Allow the system to enter sleep states in which main memory is
	  powered and thus its contents are preserved, such as the
	  suspend-to-RAM state (e.g. the ACPI S3 state).

config HIBERNATE_CALLBACKS
	bool

config HIBERNATION
	bool "Hibernation (aka 'suspend to disk')"
	depends on SWAP && ARCH_HIBERNATION_POSSIBLE
	select HIBERNATE_CALLBACKS
	help
	  Enable the suspend to disk (STD) functionality, which is usually
	  called "hibernation" in user interfaces.

	  config NOT_AN_ENTRY is help text, as is
	  depends on NOT_A_DEPENDENCY

config PM_STD_PARTITION
	string "Default resume partition"
	depends on HIBERNATION
	default ""

config PM_SLEEP_SMP
	def_bool y
	depends on SMP
	depends on ARCH_SUSPEND_POSSIBLE || ARCH_HIBERNATION_POSSIBLE
	depends on PM_SLEEP
	select HOTPLUG_CPU
`;

const md = `menuconfig MD
	bool "Multiple devices driver support (RAID and LVM)"
	depends on BLOCK
	select SRCU

if MD

config BLK_DEV_DM
	tristate "Device mapper support"
	select BLOCK_HOLDER_DEPRECATED if SYSFS

menu "Crypt targets"
	depends on CRYPTO && \\
		   BLK_DEV_DM

config DM_CRYPT
	tristate
	prompt "Crypt target support"
	depends on (ENCRYPTED_KEYS || ENCRYPTED_KEYS=n) # trusted keys alike
	select CRYPTO

endmenu

comment "Zoned targets"
	depends on BLK_DEV_ZONED

choice
	prompt "Default compressor"
	depends on DM_CRYPT

config DM_COMP_LZO
	bool "lzo"

endchoice

endif # MD

config AFTER_MD
	tristate "Not inside the if"
`;

describe('parseKconfig', () => {
  test('entries of kernel/power/Kconfig: their lines, prompts and depends; help text is skipped', () => {
    const entries = parseKconfig(power, 'kernel/power/Kconfig');
    expect(entries.map((e) => [e.symbol, e.line, e.prompt, e.depends])).toEqual([
      ['SUSPEND', 2, true, ['ARCH_SUSPEND_POSSIBLE']],
      ['HIBERNATE_CALLBACKS', 11, false, []],
      ['HIBERNATION', 14, true, ['SWAP && ARCH_HIBERNATION_POSSIBLE']],
      ['PM_STD_PARTITION', 25, true, ['HIBERNATION']],
      ['PM_SLEEP_SMP', 30, false, ['SMP', 'ARCH_SUSPEND_POSSIBLE || ARCH_HIBERNATION_POSSIBLE', 'PM_SLEEP']],
    ]);
    expect(entries.every((e) => e.file === 'kernel/power/Kconfig')).toBe(true);
  });

  test('depends are inherited from if blocks, menus and choices; comments and trailing # notes are not entries', () => {
    const entries = new Map(parseKconfig(md, 'drivers/md/Kconfig').map((e) => [e.symbol, e]));
    expect([...entries.keys()]).toEqual(['MD', 'BLK_DEV_DM', 'DM_CRYPT', 'DM_COMP_LZO', 'AFTER_MD']);
    expect(entries.get('MD')).toMatchObject({ line: 1, prompt: true, depends: ['BLOCK'] });
    expect(entries.get('BLK_DEV_DM')).toMatchObject({ line: 8, prompt: true, depends: ['MD'] });
    // the menu's depends on is continued over two lines; the line numbers after it still hold
    expect(entries.get('DM_CRYPT')).toMatchObject({
      line: 16,
      prompt: true,
      depends: ['MD', expect.stringMatching(/^CRYPTO && +\t+ +BLK_DEV_DM$/), '(ENCRYPTED_KEYS || ENCRYPTED_KEYS=n)'],
    });
    expect(parseExpr(entries.get('DM_CRYPT')!.depends[1]!)).toEqual(expr('CRYPTO && BLK_DEV_DM'));
    expect(entries.get('DM_COMP_LZO')).toMatchObject({ line: 31, prompt: true, depends: ['MD', 'DM_CRYPT'] });
    expect(entries.get('AFTER_MD')).toMatchObject({ line: 38, depends: [] });
    const lines = md.split('\n');
    for (const e of entries.values()) expect(lines[e.line - 1]).toMatch(new RegExp(`^(menu)?config ${e.symbol}$`));
  });
});

describe('whyOff', () => {
  const hibernation = parseKconfig(power, 'kernel/power/Kconfig').filter((e) => e.symbol === 'HIBERNATION');

  test('an unmet dependency is named, with where the entry is', () => {
    const config = parseConfig('CONFIG_ARCH_HIBERNATION_POSSIBLE=y\n# CONFIG_SWAP is not set\n');
    expect(whyOff(hibernation, config)).toBe('it needs SWAP (kernel/power/Kconfig:14)');
    expect(whyOff(hibernation, new Map())).toBe(
      'it needs SWAP and ARCH_HIBERNATION_POSSIBLE (kernel/power/Kconfig:14)',
    );
  });

  test(
    'dependencies met: a promptless symbol cannot be set by hand, ' + 'a prompted one was turned off by olddefconfig',
    () => {
      const config = new Map([
        ['SWAP', 'y'],
        ['ARCH_HIBERNATION_POSSIBLE', 'y'],
      ]);
      expect(whyOff(hibernation, config)).toBe('olddefconfig turned it off (a choice or a select elsewhere)');
      const callbacks = parseKconfig(power, 'kernel/power/Kconfig').filter((e) => e.symbol === 'HIBERNATE_CALLBACKS');
      expect(whyOff(callbacks, config)).toBe('it cannot be set by hand (no prompt): only selected or defaulted');
    },
  );

  test('a symbol no Kconfig file defines', () => {
    expect(whyOff(undefined, new Map())).toBe('no Kconfig file of this tree defines it');
    expect(whyOff([], new Map())).toBe('no Kconfig file of this tree defines it');
  });

  test('inherited depends count, and a repeated unmet term is named once', () => {
    const crypt = parseKconfig(md, 'drivers/md/Kconfig').filter((e) => e.symbol === 'DM_CRYPT');
    expect(
      whyOff(
        crypt,
        new Map([
          ['MD', 'y'],
          ['BLK_DEV_DM', 'y'],
        ]),
      ),
    ).toBe('it needs CRYPTO (drivers/md/Kconfig:16)');
    const twice = [{ ...crypt[0]!, depends: ['MD && CRYPTO', 'CRYPTO'] }];
    expect(whyOff(twice, new Map())).toBe('it needs MD and CRYPTO (drivers/md/Kconfig:16)');
  });
});
