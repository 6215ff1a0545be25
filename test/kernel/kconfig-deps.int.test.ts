// The Kconfig reader on every Kconfig file of both trees: every entry is found at its own `config` line, every
// `depends on` parses, and what it says of HIBERNATION and DM_CRYPT is what their Kconfig files say.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  kconfigEntries,
  parseExpr,
  parseKconfig,
  requiredSymbols,
  whyOff,
  type KconfigEntry,
} from '../../src/kernel/kconfig-deps.js';
import { parseConfig } from '../../src/kernel/kconfig.js';
import { Git } from '../../src/tools/git.js';
import { TREES, unpackedTree } from '../helpers/trees.js';

/** Every file named Kconfig* under the tree, as paths relative to it. */
function kconfigFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.startsWith('Kconfig')) found.push(p);
    }
  };
  walk('');
  return found.sort();
}

const ENTRY_LINE = /^\s*(?:menu)?config\s+(\w+)\s*(?:#.*)?$/;

describe.each(TREES)('the Kconfig files of linux-source-$version', (t) => {
  // a cold cache unpacks the tree first (minutes), not inside a test's 5 s
  beforeAll(() => unpackedTree(t), 900_000);
  let parsed: Map<string, KconfigEntry[]> | undefined;
  /** file → its entries (parsed once per tree). */
  async function all(): Promise<{ dir: string; files: Map<string, KconfigEntry[]> }> {
    const dir = await unpackedTree(t);
    parsed ??= new Map(kconfigFiles(dir).map((f) => [f, parseKconfig(readFileSync(path.join(dir, f), 'utf8'), f)]));
    return { dir, files: parsed };
  }
  const entry = async (file: string, symbol: string) =>
    (await all()).files.get(file)!.find((e) => e.symbol === symbol)!;

  test('each entry is found, once, at its own config line (continued lines do not shift the numbers)', async () => {
    const { dir, files } = await all();
    expect(files.size).toBeGreaterThan(1500);
    const wrong: string[] = [];
    let entries = 0;
    for (const [file, found] of files) {
      const lines = readFileSync(path.join(dir, file), 'utf8').split('\n');
      // a help text line never starts with "config X" in these trees, so the config lines are exactly the entries
      const expected = lines.flatMap((l, i) => (ENTRY_LINE.test(l) ? [`${i + 1}:${ENTRY_LINE.exec(l)![1]}`] : []));
      const got = found.map((e) => `${e.line}:${e.symbol}`);
      if (got.join() !== expected.join())
        wrong.push(
          `${file}: ${got
            .filter((g) => !expected.includes(g))
            .slice(0, 3)
            .join(', ')} not at a config line`,
        );
      entries += found.length;
    }
    expect(wrong).toEqual([]);
    expect(entries).toBeGreaterThan(20000);
  });

  test(
    'every depends on parses, except those calling a Kconfig macro, ' + 'which only the kconfig preprocessor expands',
    async () => {
      const { files } = await all();
      const failures: string[] = [];
      let depends = 0;
      for (const found of files.values()) {
        for (const e of found) {
          for (const d of e.depends) {
            depends++;
            if (!parseExpr(d)) failures.push(`${e.file}:${e.line} ${e.symbol}: ${d}`);
          }
        }
      }
      expect(depends).toBeGreaterThan(29000);
      // "depends on $(cc-option,-fstack-protector)" (arch/Kconfig, STACKPROTECTOR) and the like: the expression is
      // the macro's output, known only once the toolchain answers; whyOff then names no unmet term for it
      const macros = failures.filter((f) => /\$\(/.test(f.slice(f.indexOf(': ') + 2)));
      expect(failures.filter((f) => !macros.includes(f))).toEqual([]);
      expect(macros.length).toBeLessThan(100);
      expect(macros).toContainEqual(
        expect.stringMatching(/^arch\/Kconfig:\d+ STACKPROTECTOR: \$\(cc-option,-fstack-protector\)$/),
      );
    },
  );

  test(
    'HIBERNATION is prompted and depends on SWAP and ARCH_HIBERNATION_POSSIBLE; ' +
      'SWAP and the arch symbol are as written',
    async () => {
      const hibernation = await entry('kernel/power/Kconfig', 'HIBERNATION');
      expect(hibernation).toMatchObject({ line: 38, prompt: true, depends: ['SWAP && ARCH_HIBERNATION_POSSIBLE'] });
      expect(requiredSymbols(parseExpr(hibernation.depends[0]!)!)).toEqual(['SWAP', 'ARCH_HIBERNATION_POSSIBLE']);
      expect(await entry('mm/Kconfig', 'SWAP')).toMatchObject({
        line: 15,
        prompt: true,
        depends: ['MMU && BLOCK && !ARCH_NO_SWAP'],
      });
      expect(await entry('arch/x86/Kconfig', 'ARCH_HIBERNATION_POSSIBLE')).toMatchObject({
        prompt: false,
        depends: [],
      });
      expect(await entry('kernel/power/Kconfig', 'HIBERNATE_CALLBACKS')).toMatchObject({ prompt: false });
    },
  );

  test(
    'DM_CRYPT depends on BLK_DEV_DM and the keys, ' + 'and on MD through the `if MD` block of drivers/md/Kconfig',
    async () => {
      const crypt = await entry('drivers/md/Kconfig', 'DM_CRYPT');
      expect(crypt).toMatchObject({
        prompt: true,
        depends: ['MD', 'BLK_DEV_DM', '(ENCRYPTED_KEYS || ENCRYPTED_KEYS=n)', '(TRUSTED_KEYS || TRUSTED_KEYS=n)'],
      });
      expect(crypt.depends.flatMap((d) => requiredSymbols(parseExpr(d)!))).toEqual(['MD', 'BLK_DEV_DM']);
      expect(await entry('drivers/md/Kconfig', 'BLK_DEV_DM')).toMatchObject({
        prompt: true,
        depends: ['MD', 'DAX || DAX=n'],
      });
      // MD itself is the menuconfig the block is named after, outside it
      expect(await entry('drivers/md/Kconfig', 'MD')).toMatchObject({ line: 6, prompt: true, depends: ['BLOCK'] });
    },
  );

  test('whyOff names the unmet dependency with its Kconfig line', async () => {
    const { dir } = await all();
    const defconfig = readFileSync(path.join(dir, 'arch/x86/configs/x86_64_defconfig'), 'utf8');
    const config = parseConfig(`${defconfig}\nCONFIG_ARCH_HIBERNATION_POSSIBLE=y\n# CONFIG_SWAP is not set\n`);
    const hibernation = await entry('kernel/power/Kconfig', 'HIBERNATION');
    expect(whyOff([hibernation], config)).toBe('it needs SWAP (kernel/power/Kconfig:38)');
    config.set('SWAP', 'y');
    expect(whyOff([hibernation], config)).toBe('olddefconfig turned it off (a choice or a select elsewhere)');
    const crypt = await entry('drivers/md/Kconfig', 'DM_CRYPT');
    const noMd = parseConfig('# CONFIG_MD is not set\nCONFIG_ENCRYPTED_KEYS=y\n');
    expect(whyOff([crypt], noMd)).toBe(`it needs MD and BLK_DEV_DM (drivers/md/Kconfig:${crypt.line})`);
    // built-in keys with dm-crypt wanted built in: ENCRYPTED_KEYS=m would cap it at m, not turn it off
    expect(whyOff([crypt], parseConfig('CONFIG_MD=y\nCONFIG_BLK_DEV_DM=y\nCONFIG_ENCRYPTED_KEYS=m\n'))).toBe(
      'olddefconfig turned it off (a choice or a select elsewhere)',
    );
  });

  test(
    'kconfigEntries finds each symbol in its Kconfig file, ' + "and only in the build arch's arch/ directory",
    async () => {
      const { dir, files } = await all();
      // a throwaway git dir indexing only the Kconfig files of the read-only tree, so git grep can search them
      const gitDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'kpci-kconfig-')), '.git');
      try {
        const quiet = {
          stdio: 'pipe' as const,
          env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
        };
        execFileSync('git', ['init', '-q', path.dirname(gitDir)], quiet);
        // -f: the tree's own .gitignore would refuse some paths
        execFileSync('git', ['--git-dir', gitDir, '--work-tree', dir, 'add', '-f', '--', ...files.keys()], quiet);
        const git = new Git({ cwd: dir, gitDir });
        const wanted = ['HIBERNATION', 'SWAP', 'ARCH_HIBERNATION_POSSIBLE', 'DM_CRYPT', 'KPCI_NO_SUCH_SYMBOL'];
        const x86 = await kconfigEntries(git, dir, wanted, 'x86');
        expect([...x86.keys()].sort()).toEqual(['ARCH_HIBERNATION_POSSIBLE', 'DM_CRYPT', 'HIBERNATION', 'SWAP']);
        expect(x86.get('HIBERNATION')).toEqual([await entry('kernel/power/Kconfig', 'HIBERNATION')]);
        expect(x86.get('ARCH_HIBERNATION_POSSIBLE')!.map((e) => e.file)).toEqual(['arch/x86/Kconfig']);
        const arm64 = await kconfigEntries(git, dir, ['ARCH_HIBERNATION_POSSIBLE'], 'arm64');
        expect(arm64.get('ARCH_HIBERNATION_POSSIBLE')).toMatchObject([
          { file: 'arch/arm64/Kconfig', prompt: false, depends: ['CPU_PM'] },
        ]);
        expect(whyOff(arm64.get('ARCH_HIBERNATION_POSSIBLE'), new Map())).toMatch(
          /^it needs CPU_PM \(arch\/arm64\/Kconfig:\d+\)$/,
        );
        expect((await kconfigEntries(git, dir, [], 'x86')).size).toBe(0);
      } finally {
        rmSync(path.dirname(gitDir), { recursive: true, force: true });
      }
    },
  );
});
