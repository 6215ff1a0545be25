import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ReserveCacheError } from '@actions/cache';
import { ccacheSpec, guestSpec, restoreFromCache, saveToCache, treeSpec, type CacheService } from '../../src/action/cache.js';
import { resolveCells } from '../../src/kernel/cells.js';

const logs = () => {
  const lines: string[] = [];
  return { lines, log: { info: (m: string) => lines.push(`info ${m}`), notice: (m: string) => lines.push(`notice ${m}`) } };
};

describe('cache keys', () => {
  test('ccache: os, arch, compiler, fragments and base commit, restored by ever shorter prefixes', async () => {
    const cells = await resolveCells(['i386-highmem']);
    const spec = await ccacheSpec({ os: 'linux', cells, compiler: 'gcc (Ubuntu 13.2.0) 13.2.0', baseCommit: 'c0ffee'.repeat(7), ccacheDir: '/c' });
    expect(spec.key).toMatch(/^kpci-ccache-linux-i386-[0-9a-f]{16}-[0-9a-f]{16}-c0ffeec0ffee$/);
    const [, , , , compiler, fragments] = spec.key.split('-');
    expect(spec.restoreKeys).toEqual([`kpci-ccache-linux-i386-${compiler}-${fragments}-`, `kpci-ccache-linux-i386-${compiler}-`]);
    const other = await ccacheSpec({ os: 'linux', cells, compiler: 'gcc 14', baseCommit: 'c0ffee'.repeat(7), ccacheDir: '/c' });
    expect(other.key).not.toBe(spec.key); // another compiler never shares objects
  });

  test('tree and guest keys carry what decides their content', async () => {
    const t = treeSpec({ os: 'linux', source: 'https://example.invalid/linux-dm.git', ref: 'for-next', dir: '/c/remotes', baseCommit: 'ab'.repeat(20) });
    expect(t.key).toMatch(/^kpci-tree-linux-[0-9a-f]{16}-abababababab$/);
    expect(t.restoreKeys).toEqual([t.key.replace(/abababababab$/, '')]);
    const cache = mkdtempSync(path.join(os.tmpdir(), 'kpci-cache-'));
    const guest = path.join(cache, 'g');
    mkdirSync(guest);
    writeFileSync(path.join(guest, 'packages.txt'), 'install: busybox-static\n');
    const empty = await guestSpec({ os: 'linux', arches: ['i386', 'amd64'], guestDir: guest, cacheDir: cache });
    expect(empty.key).toMatch(/^kpci-guest-linux-amd64\+i386-[0-9a-f]{16}-none$/);
    mkdirSync(path.join(cache, 'guest', 'i386'), { recursive: true });
    writeFileSync(path.join(cache, 'guest', 'i386', 'packages-1234.cpio'), '');
    const filled = await guestSpec({ os: 'linux', arches: ['i386', 'amd64'], guestDir: guest, cacheDir: cache });
    expect(filled.key).not.toBe(empty.key);
    expect(filled.restoreKeys[0]).toBe(empty.restoreKeys[0]);
  });
});

describe('saving and restoring never fail the run', () => {
  const spec = { what: 'ccache (x86_64-dm)', paths: [os.tmpdir()], key: 'kpci-ccache-k', restoreKeys: ['kpci-ccache-'] };
  const service = (over: Partial<CacheService>): CacheService => ({ isAvailable: () => true, restore: async () => undefined, save: async () => 1, ...over });

  test('a reservation race or "already exists" on save is a notice', async () => {
    const { lines, log } = logs();
    await saveToCache(service({ save: async () => { throw new ReserveCacheError('Unable to reserve cache with key kpci-ccache-k, another job may be creating this cache.'); } }), spec, log);
    expect(lines).toEqual(['notice cache: ccache (x86_64-dm) not saved as kpci-ccache-k: Unable to reserve cache with key kpci-ccache-k, another job may be creating this cache.']);
  });

  test('an exact hit is not saved again; a restore failure starts cold with a notice; no service, no calls', async () => {
    const { lines, log } = logs();
    let saves = 0;
    await saveToCache(service({ save: async () => ++saves }), spec, log, 'kpci-ccache-k');
    expect(saves).toBe(0);
    expect(await restoreFromCache(service({ restore: async () => { throw new Error('socket hang up'); } }), spec, log)).toBeUndefined();
    expect(await restoreFromCache(service({ restore: async () => 'kpci-ccache-old' }), spec, log)).toBe('kpci-ccache-old');
    await saveToCache(service({ isAvailable: () => false, save: async () => ++saves }), spec, log);
    expect(saves).toBe(0);
    expect(lines).toEqual([
      'info cache: ccache (x86_64-dm) unchanged (kpci-ccache-k was restored), not saved again',
      'notice cache: could not restore ccache (x86_64-dm) (socket hang up); starting cold',
      'info cache: ccache (x86_64-dm) restored from kpci-ccache-old (a prefix match)',
    ]);
  });
});
