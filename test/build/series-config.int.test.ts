// What a cell adds for a series and how it reports what Kconfig refused, judged with the real Kconfig entries
// of 6.12 (kernel/power/Kconfig, mm/Kconfig) read from the unpacked tree.
import { describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { judgeAdditions, writeSeriesFragment, type SeriesAdditions } from '../../src/build/series-config.js';
import { parseKconfig, type KconfigEntry } from '../../src/kernel/kconfig-deps.js';
import { parseConfig } from '../../src/kernel/kconfig.js';
import { tree, unpackedTree } from '../helpers/trees.js';

async function realEntries(symbols: string[]): Promise<Map<string, KconfigEntry[]>> {
  const dir = await unpackedTree(tree('6.12'));
  const entries = new Map<string, KconfigEntry[]>();
  for (const file of ['kernel/power/Kconfig', 'mm/Kconfig']) {
    for (const e of parseKconfig(await readFile(path.join(dir, file), 'utf8'), file)) {
      if (symbols.includes(e.symbol)) entries.set(e.symbol, [...(entries.get(e.symbol) ?? []), e]);
    }
  }
  return entries;
}

const SNAPSHOT = 'kernel/power/snapshot.c';

async function hibernationAdditions(): Promise<SeriesAdditions> {
  return {
    asked: new Map([
      ['HIBERNATION', [SNAPSHOT]],
      ['SWAP', [SNAPSHOT]],
    ]),
    direct: ['HIBERNATION'],
    entries: await realEntries(['HIBERNATION', 'SWAP']),
  };
}

describe('judgeAdditions', () => {
  test('both on after olddefconfig: both added, nothing refused', async () => {
    const config = parseConfig('CONFIG_SWAP=y\nCONFIG_HIBERNATION=y\nCONFIG_ARCH_HIBERNATION_POSSIBLE=y\n');
    expect(judgeAdditions(await hibernationAdditions(), config)).toEqual({
      added: ['HIBERNATION', 'SWAP'],
      refused: [],
    });
  });

  test(
    'SWAP off (no BLOCK): HIBERNATION refused with the Kconfig line that needs it; ' +
      'the dependency is not reported on its own',
    async () => {
      const config = parseConfig(
        '# CONFIG_SWAP is not set\n# CONFIG_HIBERNATION is not set\nCONFIG_ARCH_HIBERNATION_POSSIBLE=y\n',
      );
      const outcome = judgeAdditions(await hibernationAdditions(), config);
      expect(outcome.added).toEqual([]);
      expect(outcome.refused).toEqual([
        {
          symbol: 'HIBERNATION',
          files: [SNAPSHOT],
          reason: expect.stringMatching(/^it needs SWAP \(kernel\/power\/Kconfig:\d+\)$/),
        },
      ]);
    },
  );

  test('an arch that cannot hibernate: the promptless condition is named', async () => {
    const config = parseConfig('CONFIG_SWAP=y\n');
    expect(judgeAdditions(await hibernationAdditions(), config).refused[0]!.reason).toMatch(
      /^it needs ARCH_HIBERNATION_POSSIBLE \(kernel\/power\/Kconfig:\d+\)$/,
    );
  });

  test('a module counts as built', async () => {
    const additions: SeriesAdditions = {
      asked: new Map([['DM_ZONED', ['drivers/md/dm-zoned-target.c']]]),
      direct: ['DM_ZONED'],
      entries: new Map(),
    };
    expect(judgeAdditions(additions, parseConfig('CONFIG_DM_ZONED=m\n')).added).toEqual(['DM_ZONED']);
  });

  test('a symbol no Kconfig file of the tree defines', () => {
    const additions: SeriesAdditions = {
      asked: new Map([['KPCI_GONE', ['drivers/md/x.c']]]),
      direct: ['KPCI_GONE'],
      entries: new Map(),
    };
    expect(judgeAdditions(additions, new Map()).refused).toEqual([
      { symbol: 'KPCI_GONE', files: ['drivers/md/x.c'], reason: 'no Kconfig file of this tree defines it' },
    ]);
  });
});

describe('writeSeriesFragment', () => {
  test('each symbol with the files it is for, and CONFIG_WERROR off where the tree has it', async () => {
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'kpci-frag-')), 'series.config');
    await writeSeriesFragment(file, await hibernationAdditions(), true);
    const text = await readFile(file, 'utf8');
    expect([...parseConfig(text)]).toEqual([
      ['HIBERNATION', 'y'],
      ['SWAP', 'y'],
      ['WERROR', 'n'],
    ]);
    expect(text).toContain(`# (for ${SNAPSHOT})`);
    await writeSeriesFragment(file, { asked: new Map(), direct: [], entries: new Map() }, false);
    expect([...parseConfig(await readFile(file, 'utf8'))]).toEqual([]);
  });
});
