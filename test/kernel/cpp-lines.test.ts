import { describe, expect, test } from '@jest/globals';
import {
  blankCommentsAndStrings,
  enclosingConditions,
  instrumentLines,
  keptLines,
  preprocessCommand,
  shellWords,
  symbolsIn,
} from '../../src/kernel/cpp-lines.js';

// kernel/power/snapshot.c of 6.1, lines 2705-2730 (numbered here from 1): the #ifdef CONFIG_HIGHMEM block around
// swap_two_pages_data() that the highmem-snapshot series changes.
const snapshot = `int snapshot_image_loaded(struct snapshot_handle *handle)
{
	return !(!nr_copy_pages || !last_highmem_page_copied() ||
			handle->cur <= nr_meta_pages + nr_copy_pages);
}

#ifdef CONFIG_HIGHMEM
/* Assumes that @buf is ready and points to a "safe" page */
static inline void swap_two_pages_data(struct page *p1, struct page *p2,
				       void *buf)
{
	void *kaddr1, *kaddr2;

	kaddr1 = kmap_atomic(p1);
	kaddr2 = kmap_atomic(p2);
	copy_page(buf, kaddr1);
	copy_page(kaddr1, kaddr2);
	copy_page(kaddr2, buf);
	kunmap_atomic(kaddr2);
	kunmap_atomic(kaddr1);
}
#else /* CONFIG_HIGHMEM */
static inline int restore_highmem(void) { return 0; }
#endif /* CONFIG_HIGHMEM */
int after(void);`;

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
const unmark = (text: string) => text.replace(/ ?\/\*kpci:\d+\*\//g, '');

describe('blankCommentsAndStrings', () => {
  test('comments and literal insides become spaces; length and newlines are kept', () => {
    const text = "a = \"/* not a comment */\"; /* #if CONFIG_X\n   still comment */ b = '\"'; // c\nd = '\\'';";
    const blank = blankCommentsAndStrings(text);
    expect(blank.length).toBe(text.length);
    expect(blank.split('\n').map((l) => l.length)).toEqual(text.split('\n').map((l) => l.length));
    expect(blank.split('\n').map((l) => l.trimEnd())).toEqual([
      'a = "                   ";',
      `${' '.repeat(19)} b = ' ';`,
      "d = '  ';",
    ]);
  });

  test('a string holding /* does not start a comment that would swallow the code after it', () => {
    const text = 'pr_info("a /* b");\nx = 1; /* real */ y = 2;\n';
    expect(blankCommentsAndStrings(text)).toBe('pr_info("      ");\nx = 1;            y = 2;\n');
  });

  test('a URL in a string is not a // comment', () => {
    expect(blankCommentsAndStrings('s = "http://x"; t();')).toBe('s = "        "; t();');
  });
});

describe('instrumentLines', () => {
  test('each changed code line gets its marker after the last code character', () => {
    const lines = [lineOf(snapshot, 'kaddr1 = kmap_atomic'), lineOf(snapshot, 'kunmap_atomic(kaddr1)')];
    const { text, marked } = instrumentLines(snapshot, lines);
    expect(marked).toEqual([14, 20]);
    const out = text.split('\n');
    expect(out[13]).toBe('\tkaddr1 = kmap_atomic(p1);/*kpci:14*/');
    expect(out[19]).toBe('\tkunmap_atomic(kaddr1);/*kpci:20*/');
    expect(unmark(text)).toBe(snapshot);
  });

  test('blank lines, comment-only lines and directives get no marker', () => {
    const all = snapshot.split('\n').map((_, i) => i + 1);
    const { text, marked } = instrumentLines(snapshot, all);
    for (const needle of ['#ifdef CONFIG_HIGHMEM', '/* Assumes that', '#else', '#endif'])
      expect(marked).not.toContain(lineOf(snapshot, needle));
    expect(marked).not.toContain(6); // empty
    expect(marked).not.toContain(13); // empty inside the function
    expect(marked).toContain(lineOf(snapshot, 'void *buf)'));
    expect(marked).toContain(lineOf(snapshot, 'int after(void);'));
    expect(marked.length).toBe(snapshot.split('\n').length - 6);
    expect(unmark(text)).toBe(snapshot);
  });

  test('the marker goes before a trailing comment, and after a string holding /*', () => {
    const source = 'x = f(1); /* why */\ny = g("a /* b"); // note\n';
    const { text } = instrumentLines(source, [1, 2]);
    expect(text).toBe('x = f(1);/*kpci:1*/ /* why */\ny = g("a /* b");/*kpci:2*/ // note\n');
  });

  test('#define bodies continued over several lines are not code lines, the line after them is', () => {
    const source = [
      '#define BM_BLOCK_MASK \\',
      '\t((1UL << BM_BLOCK_SHIFT) - \\',
      '\t 1)',
      'static int x = BM_BLOCK_MASK;',
    ].join('\n');
    expect(instrumentLines(source, [1, 2, 3, 4]).marked).toEqual([4]);
  });

  test('a code line continued with a backslash keeps the backslash last', () => {
    const { text } = instrumentLines('asm("nop" \\\n    "nop");', [1]);
    expect(text.split('\n')[0]).toBe('asm("nop" /*kpci:1*/\\');
  });

  test('after a trailing division sign the marker is set apart, so it cannot open a // comment', () => {
    // drivers/md/raid0.c: "start_disk_index = (int)(start - first_stripe_index * stripe_size) /"
    const source =
      '\t\tstart_disk_index = (int)(start - first_stripe_index * stripe_size) /\n\t\t\tmddev->chunk_sectors;';
    const { text } = instrumentLines(source, [1, 2]);
    expect(text.split('\n')[0]).toMatch(/stripe_size\) \/ \/\*kpci:1\*\/$/);
    expect(text).not.toContain('//*kpci');
  });
});

describe('keptLines', () => {
  test('the markers left in preprocessor output, wherever they ended up', () => {
    const out =
      '# 1 "snapshot.c"\n kaddr1 = kmap_atomic(p1);/*kpci:14*/\n printk("%s", "x" /*kpci:20*/);\n' +
      '/*kpci:14*/\n/* kpci:3 */ /*kpci:x*/';
    expect([...keptLines(out)].sort((a, b) => a - b)).toEqual([14, 20]);
    expect(keptLines('int a;\n').size).toBe(0);
  });
});

describe('enclosingConditions', () => {
  test('a line inside #ifdef CONFIG_HIGHMEM, its #else branch, and lines outside', () => {
    const ifdef = lineOf(snapshot, '#ifdef CONFIG_HIGHMEM');
    expect(enclosingConditions(snapshot, lineOf(snapshot, 'kaddr2 = kmap_atomic'))).toEqual([
      { text: '#ifdef CONFIG_HIGHMEM', line: ifdef },
    ]);
    expect(enclosingConditions(snapshot, lineOf(snapshot, 'return 0; }'))).toEqual([
      { text: '#else', line: lineOf(snapshot, '#else'), opening: { text: '#ifdef CONFIG_HIGHMEM', line: ifdef } },
    ]);
    expect(enclosingConditions(snapshot, 3)).toEqual([]);
    expect(enclosingConditions(snapshot, lineOf(snapshot, 'int after'))).toEqual([]);
    // the directive's own line is not inside it
    expect(enclosingConditions(snapshot, ifdef)).toEqual([]);
  });

  test('nested #if, #ifndef and #elif, innermost first', () => {
    const source = [
      '#ifndef CONFIG_ARCH_HIBERNATION_HEADER', // 1
      'static int init_header_complete(void);', // 2
      '#  if BITS_PER_LONG == 32', // 3
      'a();', // 4
      '#  elif defined(CONFIG_64BIT)   &&  !defined(CONFIG_X86_PAE)', // 5
      'b();', // 6
      '#  else', // 7
      'c();', // 8
      '#  endif', // 9
      'd();', // 10
      '#endif /* CONFIG_ARCH_HIBERNATION_HEADER */', // 11
      'e();', // 12
    ].join('\n');
    const header = { text: '#ifndef CONFIG_ARCH_HIBERNATION_HEADER', line: 1 };
    const inner = { text: '#if BITS_PER_LONG == 32', line: 3 };
    expect(enclosingConditions(source, 2)).toEqual([header]);
    expect(enclosingConditions(source, 4)).toEqual([inner, header]);
    expect(enclosingConditions(source, 6)).toEqual([
      { text: '#elif defined(CONFIG_64BIT) && !defined(CONFIG_X86_PAE)', line: 5, opening: inner },
      header,
    ]);
    expect(enclosingConditions(source, 8)).toEqual([{ text: '#else', line: 7, opening: inner }, header]);
    expect(enclosingConditions(source, 10)).toEqual([header]);
    expect(enclosingConditions(source, 12)).toEqual([]);
  });

  test('#if 0, as around kcopyd_cancel() in drivers/md/dm-kcopyd.c', () => {
    const source = [
      'EXPORT_SYMBOL(dm_kcopyd_do_callback);',
      '',
      '/*',
      ' * Cancels a kcopyd job, eg. someone might be deactivating a',
      ' * mirror.',
      ' */',
      '#if 0',
      'int kcopyd_cancel(struct kcopyd_job *job, int block)',
      '{',
      '\t/* FIXME: finish */',
      '\treturn -1;',
      '}',
      '#endif  /*  0  */',
      '',
    ].join('\n');
    expect(enclosingConditions(source, 11)).toEqual([{ text: '#if 0', line: 7 }]);
    expect(enclosingConditions(source, 14)).toEqual([]);
  });

  test('a #if or #endif in a comment opens or closes nothing', () => {
    const source = [
      '/*',
      '#if CONFIG_SMP',
      ' */',
      'int x;',
      'int y; /* #endif */',
      '/*',
      '#endif',
      ' */',
      'int z;',
    ].join('\n');
    expect(enclosingConditions(source, 4)).toEqual([]);
    const guarded = `#ifdef CONFIG_SMP\n${source}\n`;
    // the "#endif" lines in comments do not close the real #ifdef
    expect(enclosingConditions(guarded, 10)).toEqual([{ text: '#ifdef CONFIG_SMP', line: 1 }]);
  });
});

describe('symbolsIn', () => {
  test('the CONFIG_ symbols a directive tests, once each, without the prefix', () => {
    expect(symbolsIn('#if defined(CONFIG_STRICT_KERNEL_RWX) && defined(CONFIG_ARCH_HAS_SET_MEMORY)')).toEqual([
      'STRICT_KERNEL_RWX',
      'ARCH_HAS_SET_MEMORY',
    ]);
    expect(symbolsIn('#if IS_ENABLED(CONFIG_BLK_DEV_ZONED) || IS_ENABLED(CONFIG_BLK_DEV_ZONED)')).toEqual([
      'BLK_DEV_ZONED',
    ]);
    expect(symbolsIn('#if BITS_PER_LONG == 32')).toEqual([]);
    expect(symbolsIn('#ifdef XCONFIG_FOO')).toEqual([]);
  });
});

// The head of drivers/md/.dm-crypt.o.cmd of a 6.1 x86_64 build (most -f/-W flags left out here; line-proof.test.ts
// has the whole line).
const compile61 =
  'ccache gcc -Wp,-MMD,drivers/md/.dm-crypt.o.d -nostdinc ' +
  '-I/src/linux/arch/x86/include -I./arch/x86/include/generated ' +
  '-include /src/linux/include/linux/kconfig.h -D__KERNEL__ -fmacro-prefix-map=/src/linux/= -Wall -O2 ' +
  '-I /src/linux/drivers/md -I ./drivers/md    -DKBUILD_MODFILE=\'"drivers/md/dm-crypt"\' ' +
  '-DKBUILD_BASENAME=\'"dm_crypt"\' -DKBUILD_MODNAME=\'"dm_crypt"\' -D__KBUILD_MODNAME=kmod_dm_crypt ' +
  '-c -o drivers/md/dm-crypt.o /src/linux/drivers/md/dm-crypt.c   ' +
  '; ./tools/objtool/objtool --hacks=jump_label --orc --retpoline   drivers/md/dm-crypt.o';

describe('shellWords', () => {
  test('a kbuild compile command as the shell splits it, up to the objtool command after ;', () => {
    const words = shellWords(compile61);
    expect(words.slice(0, 4)).toEqual(['ccache', 'gcc', '-Wp,-MMD,drivers/md/.dm-crypt.o.d', '-nostdinc']);
    expect(words).toContain('-DKBUILD_MODNAME="dm_crypt"');
    expect(words).toContain('-DKBUILD_MODFILE="drivers/md/dm-crypt"');
    expect(words.slice(-4)).toEqual(['-c', '-o', 'drivers/md/dm-crypt.o', '/src/linux/drivers/md/dm-crypt.c']);
    expect(words.some((w) => w.includes('objtool') || w === '')).toBe(false);
    expect(words.filter((w) => w === '-I')).toHaveLength(2);
  });

  test('double quotes, backslashes and glued quoted parts', () => {
    expect(shellWords('gcc "-DA=\\"x y\\"" -DB=a\\ b \'-DC=$x\'"$y" -DD=""')).toEqual([
      'gcc',
      '-DA="x y"',
      '-DB=a b',
      '-DC=$x$y',
      '-DD=',
    ]);
    expect(shellWords('  a   b  ')).toEqual(['a', 'b']);
    expect(shellWords('a && b')).toEqual(['a']);
    expect(shellWords('a | b')).toEqual(['a']);
  });
});

describe('preprocessCommand', () => {
  test('-c, -o, the dependency file and ccache go; the marked copy is preprocessed with comments kept', () => {
    const args = preprocessCommand(shellWords(compile61), '/tmp/copy.c', '/tmp/copy.c.i');
    expect(args[0]).toBe('gcc');
    expect(args).not.toContain('-c');
    expect(args).not.toContain('drivers/md/dm-crypt.o');
    expect(args).not.toContain('/src/linux/drivers/md/dm-crypt.c');
    expect(args.some((a) => a.startsWith('-Wp,-MMD'))).toBe(false);
    expect(args.slice(-6)).toEqual([
      '-D__KBUILD_MODNAME=kmod_dm_crypt',
      '/tmp/copy.c',
      '-E',
      '-CC',
      '-o',
      '/tmp/copy.c.i',
    ]);
    expect(args).toContain('-DKBUILD_MODNAME="dm_crypt"');
    expect(args).toContain('/src/linux/include/linux/kconfig.h');
  });

  test('an older -Wp,-MD dependency flag and a command without ccache', () => {
    const args = preprocessCommand(
      ['gcc', '-Wp,-MD,fs/.x.o.d', '-O2', '-c', '-o', 'fs/x.o', 'fs/x.c'],
      'copy.c',
      'copy.i',
    );
    expect(args).toEqual(['gcc', '-O2', 'copy.c', '-E', '-CC', '-o', 'copy.i']);
  });
});
