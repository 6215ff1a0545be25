import { describe, expect, test } from '@jest/globals';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RunError } from '../../src/errors.js';
import { DEFAULT_CELLS, packageRoot, parseFragment, resolveCells } from '../../src/kernel/cells.js';
import { REPO } from '../helpers/fixtures.js';

describe('parseFragment', () => {
  test('set, unset, numbers, strings and the arch header', () => {
    const { arch, wanted } = parseFragment(
      '# arch: i386\n# why\nCONFIG_HIGHMEM4G=y\n# CONFIG_64BIT is not set\n' +
        'CONFIG_NR_CPUS=4\nCONFIG_CMDLINE="console=ttyS0"\n\n',
      'f',
    );
    expect(arch).toBe('i386');
    expect([...wanted]).toEqual([
      ['HIGHMEM4G', 'y'],
      ['64BIT', 'n'],
      ['NR_CPUS', '4'],
      ['CMDLINE', '"console=ttyS0"'],
    ]);
  });
  test('a syntax error names the file and line', () => {
    expect(() => parseFragment('CONFIG_A=y\nDM_CRYPT=y\n', 'my.config')).toThrow(
      'my.config:2: not a config line: "DM_CRYPT=y"',
    );
    expect(() => parseFragment('CONFIG_A=yes please\n', 'my.config')).toThrow(RunError);
  });
});

describe('the shipped cells', () => {
  test(
    'both fragments parse, declare their arch, ' + 'and ask for what DOMAIN.md says reaches the converted code',
    async () => {
      expect(packageRoot()).toBe(REPO);
      const [x86, i386] = await resolveCells(DEFAULT_CELLS);
      expect(x86).toMatchObject({ name: 'x86_64-dm', arch: 'x86_64' });
      expect(i386).toMatchObject({ name: 'i386-highmem', arch: 'i386' });
      for (const cell of [x86!, i386!]) {
        for (const s of [
          'BLK_DEV_DM',
          'DM_CRYPT',
          'DM_LOG_WRITES',
          'CRYPTO_MD5',
          'CRYPTO_CRC32',
          'CRYPTO_ECB',
          'CRYPTO_CBC',
          'CRYPTO_AES',
          'PREEMPT',
          'DEBUG_PREEMPT',
          'DEBUG_ATOMIC_SLEEP',
          'PROVE_LOCKING',
          'BUG',
          'PRINTK',
          'KALLSYMS',
        ]) {
          expect([cell.name, s, cell.wanted.get(s)]).toEqual([cell.name, s, 'y']);
        }
      }
      for (const s of ['HIGHMEM4G', 'DEBUG_HIGHMEM', 'SMP']) expect(i386!.wanted.get(s)).toBe('y');
    },
  );
});

describe('resolveCells on bad input', () => {
  test('an unknown name, a missing file, a duplicate', async () => {
    await expect(resolveCells(['x86_64-nope'])).rejects.toThrow(
      'unknown config "x86_64-nope" (shipped: x86_64-dm, i386-highmem; or give a path to a fragment)',
    );
    await expect(resolveCells(['./missing.config'])).rejects.toThrow('config fragment ./missing.config does not exist');
    await expect(resolveCells(['x86_64-dm', 'x86_64-dm'])).rejects.toThrow('config x86_64-dm is given twice');
  });
  test("a user's own fragment, arch x86_64 unless its header says otherwise", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kpci-cells-'));
    await writeFile(path.join(dir, 'mine.config'), 'CONFIG_DM_CRYPT=y\n');
    const [mine] = await resolveCells([path.join(dir, 'mine.config')]);
    expect(mine).toMatchObject({ name: 'mine', arch: 'x86_64', fragmentPath: path.join(dir, 'mine.config') });
  });
});
