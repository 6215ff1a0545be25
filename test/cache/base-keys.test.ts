import { describe, expect, test } from '@jest/globals';
import {
  baseBootKey,
  baseBuildKey,
  baseSparseKey,
  type BaseBootParts,
  type BaseBuildParts,
  type BaseSparseParts,
} from '../../src/cache/base-keys.js';

const build: BaseBuildParts = {
  baseCommit: 'a'.repeat(40),
  cell: 'x86_64-dm',
  arch: 'x86_64',
  fragment: 'CONFIG_DM_CRYPT=y\n',
  seriesFragment: 'CONFIG_DM_LOG_WRITES=y\n',
  compiler: 'gcc (Debian 12.2.0-14+deb12u1) 12.2.0',
  touched: ['drivers/md/dm-crypt.c', 'drivers/md/dm-log-writes.c'],
};
const boot: BaseBootParts = {
  kernel: 'k'.repeat(64),
  initramfs: 'i'.repeat(64),
  suitesDisk: 'suites-0123456789abcdef.img',
  accel: 'tcg',
  memoryMiB: 1024,
  cpus: 2,
  scenarios: ['crypt-lmk', 'lvm-linear'],
  learn: true,
  suiteTests: ['cryptsetup:loopaes-test'],
  suiteMode: 'default',
  suiteReruns: 2,
  suiteTimeoutMs: 300_000,
  bootTimeoutMs: 120_000,
  scenarioTimeoutMs: 180_000,
};

const sparse: BaseSparseParts = {
  baseCommit: 'a'.repeat(40),
  config: 'i386-highmem-defconfig',
  arch: 'i386',
  configLines: ['CONFIG_HIGHMEM4G=y', '# CONFIG_WERROR is not set'],
  compiler: 'gcc (Debian 12.2.0-14+deb12u1) 12.2.0',
  sparse: 'v0.6.4',
  files: ['drivers/md/dm-snap.c', 'drivers/md/dm-crypt.c'],
};

describe('base cache keys', () => {
  test.each(Object.keys(sparse) as (keyof BaseSparseParts)[])('a sparse key changes with %s', (part) => {
    const value = sparse[part];
    const other = Array.isArray(value) ? [...value, 'x'] : `${value}!`;
    expect(baseSparseKey({ ...sparse, [part]: other })).not.toBe(baseSparseKey(sparse));
    expect(baseSparseKey({ ...sparse, files: [...sparse.files].reverse() })).toBe(baseSparseKey(sparse));
    expect(baseSparseKey(sparse)).toMatch(/^sparse-[0-9a-f]{24}$/);
  });

  test('the same parts give the same key, whatever order the touched files come in', () => {
    expect(baseBuildKey(build)).toMatch(/^build-[0-9a-f]{24}$/);
    expect(baseBuildKey({ ...build, touched: [...build.touched].reverse() })).toBe(baseBuildKey(build));
    expect(baseBootKey({ ...boot })).toBe(baseBootKey(boot));
  });

  test.each(Object.keys(build) as (keyof BaseBuildParts)[])('a build key changes with %s', (part) => {
    const changed = { ...build, [part]: part === 'touched' ? ['drivers/md/dm-delay.c'] : `${String(build[part])}!` };
    expect(baseBuildKey(changed)).not.toBe(baseBuildKey(build));
  });

  test.each(Object.keys(boot) as (keyof BaseBootParts)[])('a boot key changes with %s', (part) => {
    const value = boot[part];
    const other = Array.isArray(value) ? [...value, 'x'] : typeof value === 'number' ? value + 1 : `${value}!`;
    expect(baseBootKey({ ...boot, [part]: other })).not.toBe(baseBootKey(boot));
  });

  test('every scenario and no scenario list, no suites disk and a named one, are different keys', () => {
    const { scenarios: _s, ...all } = boot;
    expect(baseBootKey(all)).not.toBe(baseBootKey(boot));
    expect(baseBootKey({ ...boot, scenarios: [] })).not.toBe(baseBootKey(all));
    const { suitesDisk: _d, ...noDisk } = boot;
    expect(baseBootKey(noDisk)).not.toBe(baseBootKey(boot));
  });
});
