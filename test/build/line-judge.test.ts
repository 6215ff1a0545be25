import { describe, expect, test } from '@jest/globals';
import { linesNotCompiled, tally, tallyAnywhere, type CellLines } from '../../src/build/line-judge.js';
import type { FileLines } from '../../src/build/line-proof.js';
import { instrumentLines } from '../../src/kernel/cpp-lines.js';

const SNAPSHOT = 'kernel/power/snapshot.c';
const KCOPYD = 'drivers/md/dm-kcopyd.c';

// kernel/power/snapshot.c of 6.12 around swap_two_pages_data() (numbered from 1 here), with its #else added.
const snapshot = `#ifdef CONFIG_HIGHMEM
/* Assumes that @buf is ready and points to a "safe" page */
static inline void swap_two_pages_data(struct page *p1, struct page *p2,
				       void *buf)
{
	void *kaddr1, *kaddr2;

	kaddr1 = kmap_local_page(p1);
	kaddr2 = kmap_local_page(p2);
	copy_page(buf, kaddr1);
	copy_page(kaddr1, kaddr2);
	copy_page(kaddr2, buf);
	kunmap_local(kaddr2);
	kunmap_local(kaddr1);
}
#else /* CONFIG_HIGHMEM */
static inline int restore_highmem(void) { return 0; }
#endif /* CONFIG_HIGHMEM */
int snapshot_write_next(struct snapshot_handle *handle);`;

// The highmem-snapshot series: lines 8, 9, 13 and 14 changed; and two more lines for the other branches.
const CHANGED = [8, 9, 13, 14];
const ELSE_LINE = 17;
const PLAIN_LINE = 19;

// drivers/md/dm-kcopyd.c of 6.12, lines 901-908 (from 1 here): the build-if-0 series changes "return -1;".
const kcopyd = `#if 0
int kcopyd_cancel(struct kcopyd_job *job, int block)
{
	/* FIXME: finish */
	return -EOPNOTSUPP;
}
#endif  /*  0  */
`;

const built = (marked: number[], kept: number[]): FileLines => ({ built: true, marked, kept });
const unbuilt = (marked: number[], why = 'its object is not built in this config'): FileLines => ({
  built: false,
  marked,
  why,
});
const cell = (name: string, files: Record<string, FileLines>): CellLines => ({
  cell: name,
  files: new Map(Object.entries(files)),
});
const sources = new Map([
  [SNAPSHOT, snapshot],
  [KCOPYD, kcopyd],
]);

describe('tally and tallyAnywhere', () => {
  test('a cell counts the changed lines it compiled out of all; an unbuilt file counts none', () => {
    expect(
      tally(
        new Map([
          [SNAPSHOT, built(CHANGED, [])],
          [KCOPYD, built([5], [])],
        ]),
      ),
    ).toEqual({ compiled: 0, total: 5 });
    expect(
      tally(
        new Map([
          [SNAPSHOT, built(CHANGED, CHANGED)],
          [KCOPYD, unbuilt([5])],
        ]),
      ),
    ).toEqual({ compiled: 4, total: 5 });
    expect(tally(new Map())).toEqual({ compiled: 0, total: 0 });
  });

  test('across cells a line counts once, compiled when any cell that built its file kept it', () => {
    const x86_64 = cell('x86_64', { [SNAPSHOT]: built([...CHANGED, ELSE_LINE], [ELSE_LINE]), [KCOPYD]: unbuilt([5]) });
    const i386 = cell('i386-highmem', {
      [SNAPSHOT]: built([...CHANGED, ELSE_LINE], CHANGED),
      [KCOPYD]: built([5], []),
    });
    expect(tally(x86_64.files)).toEqual({ compiled: 1, total: 6 });
    expect(tally(i386.files)).toEqual({ compiled: 4, total: 6 });
    expect(tallyAnywhere([x86_64, i386])).toEqual({ compiled: 5, total: 6 });
    expect(tallyAnywhere([x86_64])).toEqual({ compiled: 1, total: 6 });
    // two cells that both skipped the file: the line counts once, compiled nowhere
    expect(tallyAnywhere([cell('a', { [KCOPYD]: unbuilt([5]) }), cell('b', { [KCOPYD]: unbuilt([5]) })])).toEqual({
      compiled: 0,
      total: 1,
    });
    expect(tallyAnywhere([])).toEqual({ compiled: 0, total: 0 });
  });
});

describe('linesNotCompiled', () => {
  test('nothing to say when every changed line was compiled somewhere', () => {
    const cells = [
      cell('x86_64', { [SNAPSHOT]: built(CHANGED, []) }),
      cell('i386-highmem', { [SNAPSHOT]: built(CHANGED, CHANGED) }),
    ];
    expect(linesNotCompiled(cells, sources)).toEqual([]);
  });

  test(
    'a run of lines inside #ifdef CONFIG_HIGHMEM: ' +
      'one finding per run of consecutive changed lines, naming the branch',
    () => {
      const findings = linesNotCompiled([cell('x86_64', { [SNAPSHOT]: built(CHANGED, []) })], sources);
      expect(findings).toEqual([
        {
          tool: 'kbuild',
          severity: 'warning',
          type: 'NOT_COMPILED_LINE',
          file: SNAPSHOT,
          line: 8,
          new: true,
          message:
            'changed lines 8-14 not compiled by any config: inside `#ifdef CONFIG_HIGHMEM` (snapshot.c:1); ' +
            'a config with CONFIG_HIGHMEM=y would compile it',
        },
      ]);
    },
  );

  test('a compiled line splits the run; a lone line is "changed line N"', () => {
    const findings = linesNotCompiled([cell('x86_64', { [SNAPSHOT]: built(CHANGED, [9]) })], sources);
    expect(findings.map((f) => [f.line, f.message.split(' not compiled')[0]])).toEqual([
      [8, 'changed line 8'],
      [13, 'changed lines 13-14'],
    ]);
  });

  test('an #else branch needs its #if off; lines under different branches are different runs', () => {
    const marked = [...CHANGED, ELSE_LINE, PLAIN_LINE];
    const findings = linesNotCompiled([cell('i386-highmem', { [SNAPSHOT]: built(marked, CHANGED) })], sources);
    expect(findings.map((f) => f.message)).toEqual([
      'changed line 17 not compiled by any config: inside `#else` (snapshot.c:16); ' +
        'a config with CONFIG_HIGHMEM off would compile it',
      // a line under no condition that no cell kept: a macro that swallowed it
      'changed line 19 not compiled by any config: ' +
        'the preprocessor dropped it in every config that builds the file (a macro that discards its argument?)',
    ]);
  });

  test('#if 0 (the build-if-0 series on dm-kcopyd.c): no configuration compiles it', () => {
    const lines = instrumentLines(kcopyd, [5]).marked;
    expect(lines).toEqual([5]);
    const [finding, ...rest] = linesNotCompiled([cell('x86_64', { [KCOPYD]: built(lines, []) })], sources);
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ type: 'NOT_COMPILED_LINE', file: KCOPYD, line: 5 });
    expect(finding!.message).toBe(
      'changed line 5 not compiled by any config: inside `#if 0` (dm-kcopyd.c:1); no configuration compiles it',
    );
  });

  test('#ifndef wants the symbol off, and its #else wants it on; nested branches name the outer one too', () => {
    const source = [
      '#ifndef CONFIG_ARCH_HIBERNATION_HEADER', // 1
      'static int init_header_complete(struct swsusp_info *info)', // 2
      '#else', // 3
      'int arch_hibernation_header_save(void *addr, unsigned int max_size);', // 4
      '#endif', // 5
      '#if defined(CONFIG_STRICT_KERNEL_RWX) && defined(CONFIG_ARCH_HAS_SET_MEMORY)', // 6
      '#if BITS_PER_LONG == 32', // 7
      'static void hibernate_restore_protect_page(void *page_address) {}', // 8
      '#endif', // 9
      '#endif', // 10
      '#if !IS_ENABLED(CONFIG_SMP)', // 11
      'static int up(void);', // 12
      '#endif', // 13
    ].join('\n');
    const file = 'kernel/power/x.c';
    const findings = linesNotCompiled(
      [cell('x86_64', { [file]: built([2, 4, 8, 12], []) })],
      new Map([[file, source]]),
    );
    expect(findings.map((f) => f.message.replace(/^.*not compiled by any config: /, ''))).toEqual([
      'inside `#ifndef CONFIG_ARCH_HIBERNATION_HEADER` (x.c:1); ' +
        'a config with CONFIG_ARCH_HIBERNATION_HEADER off would compile it',
      'inside `#else` (x.c:3); a config with CONFIG_ARCH_HIBERNATION_HEADER=y would compile it',
      'inside `#if BITS_PER_LONG == 32` (x.c:7) within `#if defined(CONFIG_STRICT_KERNEL_RWX) ' +
        '&& defined(CONFIG_ARCH_HAS_SET_MEMORY)` (x.c:6); ' +
        'the condition is false in every config that builds the file',
      'inside `#if !IS_ENABLED(CONFIG_SMP)` (x.c:11); a config with CONFIG_SMP off would compile it',
    ]);
  });

  test("a file no cell built is one finding at its first changed line, with each cell's reason", () => {
    const cells = [
      cell('x86_64', { [SNAPSHOT]: unbuilt(CHANGED) }),
      cell('i386-highmem', { [SNAPSHOT]: unbuilt(CHANGED, 'no compile command saved for kernel/power/snapshot.o') }),
    ];
    expect(linesNotCompiled(cells, sources)).toEqual([
      {
        tool: 'kbuild',
        severity: 'warning',
        type: 'NOT_COMPILED',
        file: SNAPSHOT,
        line: 8,
        new: true,
        message:
          'changed file not built by any config, 4 changed lines never compiled (x86_64: its object is not ' +
          'built in this config; i386-highmem: no compile command saved for kernel/power/snapshot.o)',
      },
    ]);
    expect(linesNotCompiled([cell('x86_64', { [KCOPYD]: unbuilt([5]) })], sources)[0]!.message).toBe(
      'changed file not built by any config, 1 changed line never compiled (x86_64: ' +
        'its object is not built in this config)',
    );
  });

  test('a line only one cell could compile, where another cell did not build the file, says so', () => {
    const cells = [cell('x86_64', { [SNAPSHOT]: built(CHANGED, []) }), cell('arm64', { [SNAPSHOT]: unbuilt(CHANGED) })];
    const [finding] = linesNotCompiled(cells, sources);
    expect(finding!.message).toMatch(/would compile it; not built in arm64: its object is not built in this config$/);
  });

  test(
    'files are judged separately; a file with no marked line is skipped; ' + 'a cell missing a file does not count',
    () => {
      const cells = [
        cell('x86_64', { [SNAPSHOT]: built(CHANGED, CHANGED), [KCOPYD]: built([5], []), 'lib/empty.c': built([], []) }),
        cell('i386-highmem', { [SNAPSHOT]: built(CHANGED, []) }),
      ];
      const findings = linesNotCompiled(cells, sources);
      expect(findings.map((f) => [f.file, f.line, f.type])).toEqual([[KCOPYD, 5, 'NOT_COMPILED_LINE']]);
    },
  );
});
