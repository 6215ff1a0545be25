// The real scripts/decode_stacktrace.sh of the 6.1 tree, on a small program built the way the build stage builds a
// kernel: from an O= dir with relative source paths, and only the touched file (drivers/md/dm-crypt.c) with -g.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeStacktrace } from '../../src/tools/decode-stacktrace.js';
import { importTarball } from '../../src/tree/import.js';
import { KERNEL_TARBALL, TEST_CACHE } from '../helpers/kernel.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kpci-decode-'));
const tree = path.join(dir, 'linux');
const buildDir = path.join(dir, 'build', 'x86_64-dm');
const vmlinux = path.join(buildDir, 'vmlinux');
let offsetOf: (fn: string, off: number) => string;

beforeAll(async () => {
  const { gitDir, commit } = await importTarball(KERNEL_TARBALL, TEST_CACHE);
  for (const d of ['scripts', 'init', 'drivers/md']) mkdirSync(path.join(tree, d), { recursive: true });
  mkdirSync(buildDir, { recursive: true });
  writeFileSync(
    path.join(tree, 'scripts', 'decode_stacktrace.sh'),
    execFileSync('git', ['--git-dir', gitDir, 'show', `${commit}:scripts/decode_stacktrace.sh`]),
  );
  writeFileSync(path.join(tree, 'init', 'main.c'), 'int kernel_init(void)\n{\n\treturn 0;\n}\n');
  writeFileSync(
    path.join(tree, 'drivers', 'md', 'dm-crypt.c'),
    [
      'extern int kernel_init(void);',
      'int __attribute__((noinline)) crypt_iv_lmk_post(int x)',
      '{',
      '\tint r = kernel_init();', // line 4
      '\treturn r + x;',
      '}',
      'int main(void) { return crypt_iv_lmk_post(1); }',
      '',
    ].join('\n'),
  );
  // optimised, a loop gives addr2line's "(discriminator N)" suffixes, as dm-crypt.c does in a real kernel
  writeFileSync(
    path.join(tree, 'drivers', 'md', 'dm-log-writes.c'),
    [
      'int __attribute__((noinline)) log_writes_map(const int *a, int n)',
      '{',
      '\tint s = 0;',
      '\tfor (int i = 0; i < n; i++) s += a[i] * 3;', // line 4
      '\treturn s;',
      '}',
      '',
    ].join('\n'),
  );
  const cc = (args: string[]) => execFileSync('gcc', args, { cwd: buildDir });
  cc(['-O0', '-c', '-o', 'main.o', '../../linux/init/main.c']);
  cc(['-O0', '-g', '-c', '-o', 'dm-crypt.o', '../../linux/drivers/md/dm-crypt.c']);
  cc(['-O2', '-g', '-c', '-o', 'dm-log-writes.o', '../../linux/drivers/md/dm-log-writes.c']);
  cc(['-o', 'vmlinux', 'main.o', 'dm-crypt.o', 'dm-log-writes.o']);
  const symbols = execFileSync('nm', ['-S', vmlinux], { encoding: 'utf8' });
  offsetOf = (fn, off) => {
    const size = new RegExp(`^[0-9a-f]+ ([0-9a-f]+) T ${fn}$`, 'm').exec(symbols)![1]!;
    return `${fn}+0x${off.toString(16)}/0x${parseInt(size, 16).toString(16)}`;
  };
}, 600_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('decodeStacktrace', () => {
  test('frames get file:line relative to the tree, everything else is kept line for line', async () => {
    const messages = [
      'WARNING: CPU: 0 PID: 7 at kernel/sched/core.c:5750 preempt_count_sub+0x45/0x89',
      'Code: 7f 39 fa 7d 29 e8 <0f> 0b eb 3e',
      'Call Trace:',
      ' <TASK>',
      ` ? ${offsetOf('crypt_iv_lmk_post', 0xc)}`,
      ` ? ${offsetOf('kernel_init', 0x4)}`, // built without -g: stays as it is
      `hardirqs last  enabled at (44455): [<ffffffff81400c86>] asm_sysvec\\x`,
      ' </TASK>',
    ];
    const decoded = await decodeStacktrace({ treeDir: tree, vmlinux, messages });
    expect(decoded).toHaveLength(messages.length);
    expect(decoded![4]).toMatch(/^ \? crypt_iv_lmk_post \(drivers\/md\/dm-crypt\.c:[3-5]\)$/);
    // not in this vmlinux, a Code: line, and lines without frames: as they were
    expect(decoded![0]).toBe(messages[0]);
    expect(decoded![1]).toBe(messages[1]);
    expect(decoded!.slice(2, 4)).toEqual(messages.slice(2, 4));
    expect(decoded!.slice(5)).toEqual(messages.slice(5));
    expect(decoded!.join('\n')).not.toContain(dir); // no absolute paths
  });

  test('a frame whose address addr2line gives a discriminator: the plain location', async () => {
    const base = parseInt(
      /^([0-9a-f]+) \S+ T log_writes_map$/m.exec(execFileSync('nm', ['-S', vmlinux], { encoding: 'utf8' }))![1]!,
      16,
    );
    const off = Array.from({ length: 64 }, (_, i) => i).find((i) =>
      execFileSync('addr2line', ['-i', '-e', vmlinux, (base + i).toString(16)], { encoding: 'utf8' }).includes(
        '(discriminator',
      ),
    );
    expect(off).toBeDefined(); // the precondition: this gcc gives one
    const decoded = await decodeStacktrace({
      treeDir: tree,
      vmlinux,
      messages: [` ${offsetOf('log_writes_map', off!)}`],
    });
    expect(decoded).toEqual([' log_writes_map (drivers/md/dm-log-writes.c:4)']);
  });

  test('a vmlinux without debug info: the frames keep their offsets', async () => {
    const stripped = path.join(buildDir, 'vmlinux.nodebug');
    execFileSync('objcopy', ['--strip-debug', vmlinux, stripped]);
    const messages = [` ? ${offsetOf('crypt_iv_lmk_post', 0xc)}`];
    expect(await decodeStacktrace({ treeDir: tree, vmlinux: stripped, messages })).toEqual(messages);
  });

  test('no vmlinux, or no script in the tree: nothing decoded', async () => {
    const messages = [` ? ${offsetOf('crypt_iv_lmk_post', 0xc)}`];
    expect(await decodeStacktrace({ treeDir: tree, vmlinux: path.join(dir, 'missing'), messages })).toBeUndefined();
    expect(await decodeStacktrace({ treeDir: os.tmpdir(), vmlinux, messages })).toBeUndefined();
  });
});
