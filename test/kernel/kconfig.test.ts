import { describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildRuleIn, droppedSymbols, parseConfig, setsObjectCflags } from '../../src/kernel/kconfig.js';

// Excerpt of drivers/md/Makefile in 6.1, continuation lines included.
const makefile = `
dm-mod-y	+= dm.o dm-table.o dm-target.o dm-linear.o dm-stripe.o \\
		   dm-ioctl.o dm-io.o dm-kcopyd.o dm-sysfs.o dm-stats.o \\
		   dm-rq.o dm-io-rewind.o
dm-multipath-y	+= dm-path-selector.o dm-mpath.o
dm-verity-y	+= dm-verity-target.o
md-mod-y	+= md.o md-bitmap.o
obj-$(CONFIG_BLK_DEV_DM)	+= dm-mod.o
obj-$(CONFIG_DM_CRYPT)		+= dm-crypt.o
obj-$(CONFIG_DM_LOG_WRITES)	+= dm-log-writes.o
obj-$(CONFIG_DM_VERITY)		+= dm-verity.o
obj-$(CONFIG_MD)		+= md-mod.o
ifeq ($(CONFIG_DM_VERITY_FEC),y)
dm-verity-objs			+= dm-verity-fec.o
endif
ifeq ($(CONFIG_BLK_DEV_ZONED),y)
dm-mod-y			+= dm-zone.o
endif
dm-mod-$(CONFIG_DM_INIT)	+= dm-init.o
obj-y				+= always-here.o
`;

describe('buildRuleIn', () => {
  test('a plain object names its symbol', () => {
    expect(buildRuleIn(makefile, 'dm-crypt.o')).toEqual({ kind: 'symbols', symbols: ['DM_CRYPT'] });
    expect(buildRuleIn(makefile, 'dm-log-writes.o')).toEqual({ kind: 'symbols', symbols: ['DM_LOG_WRITES'] });
  });
  test('a part of a composite object follows it, across continuation lines', () => {
    expect(buildRuleIn(makefile, 'dm-kcopyd.o')).toEqual({ kind: 'symbols', symbols: ['BLK_DEV_DM'] });
    expect(buildRuleIn(makefile, 'md-bitmap.o')).toEqual({ kind: 'symbols', symbols: ['MD'] });
  });
  test('a conditional part needs its own symbol (dm-mod-$(CONFIG_…), or an ifeq block) and its parent', () => {
    expect(buildRuleIn(makefile, 'dm-init.o')).toEqual({ kind: 'symbols', symbols: ['BLK_DEV_DM', 'DM_INIT'] });
    expect(buildRuleIn(makefile, 'dm-zone.o')).toEqual({ kind: 'symbols', symbols: ['BLK_DEV_DM', 'BLK_DEV_ZONED'] });
    expect(buildRuleIn(makefile, 'dm-verity-fec.o')).toEqual({
      kind: 'symbols',
      symbols: ['DM_VERITY', 'DM_VERITY_FEC'],
    });
  });
  test('obj-y is always built; an unknown object is unknown', () => {
    expect(buildRuleIn(makefile, 'always-here.o')).toEqual({ kind: 'always' });
    expect(buildRuleIn(makefile, 'nothing.o')).toEqual({ kind: 'unknown' });
  });
});

describe('parseConfig and droppedSymbols', () => {
  test('a symbol that olddefconfig did not keep is reported with what it got', () => {
    const final = parseConfig(
      'CONFIG_DM_CRYPT=y\n# CONFIG_DM_LOG_WRITES is not set\nCONFIG_NR_CPUS=64\nCONFIG_LOCALVERSION=""\n',
    );
    expect(final.get('LOCALVERSION')).toBe('""');
    const wanted = new Map([
      ['DM_CRYPT', 'y'],
      ['DM_LOG_WRITES', 'y'],
      ['DM_ZONED', 'm'],
    ]);
    expect(droppedSymbols(wanted, final)).toEqual([
      { symbol: 'DM_LOG_WRITES', wanted: 'y', got: 'n' },
      { symbol: 'DM_ZONED', wanted: 'm', got: 'n' },
    ]);
  });
});

describe('setsObjectCflags', () => {
  test(
    'an object whose Makefile sets its CFLAGS (as trace event files do) ' + 'is told from one whose Makefile does not',
    async () => {
      const tree = mkdtempSync(path.join(os.tmpdir(), 'kpci-cflags-'));
      try {
        mkdirSync(path.join(tree, 'drivers', 'md'), { recursive: true });
        writeFileSync(
          path.join(tree, 'drivers', 'md', 'Makefile'),
          `${makefile}\nCFLAGS_dm-ebs-target.o := -I$(src)\n`,
        );
        expect(await setsObjectCflags(tree, 'drivers/md/dm-ebs-target.o')).toBe(true);
        expect(await setsObjectCflags(tree, 'drivers/md/dm-crypt.o')).toBe(false);
        expect(await setsObjectCflags(tree, 'fs/nothing-here.o')).toBe(false);
      } finally {
        rmSync(tree, { recursive: true, force: true });
      }
    },
  );
});
