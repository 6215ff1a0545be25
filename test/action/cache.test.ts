import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  cacheOutputs,
  ccacheSpec,
  defaultCcacheSize,
  guestSpec,
  baseSpec,
  noCacheOutputs,
  treeSpec,
} from '../../src/action/cache.js';
import { resolveCells } from '../../src/kernel/cells.js';

describe('cache keys', () => {
  test('ccache: os, arch, compiler, fragments and base commit, restored by ever shorter prefixes', async () => {
    const cells = await resolveCells(['i386-highmem']);
    const spec = await ccacheSpec({
      os: 'linux',
      cells,
      compiler: 'gcc (Ubuntu 13.2.0) 13.2.0',
      baseCommit: 'c0ffee'.repeat(7),
      ccacheDir: '/c',
    });
    expect(spec.key).toMatch(/^kpci-ccache-linux-i386-[0-9a-f]{16}-[0-9a-f]{16}-c0ffeec0ffee$/);
    const [, , , , compiler, fragments] = spec.key.split('-');
    expect(spec.restoreKeys).toEqual([
      `kpci-ccache-linux-i386-${compiler}-${fragments}-`,
      `kpci-ccache-linux-i386-${compiler}-`,
    ]);
    const other = await ccacheSpec({
      os: 'linux',
      cells,
      compiler: 'gcc 14',
      baseCommit: 'c0ffee'.repeat(7),
      ccacheDir: '/c',
    });
    expect(other.key).not.toBe(spec.key); // another compiler never shares objects
  });

  test('tree and guest keys carry what decides their content', async () => {
    const t = treeSpec({
      os: 'linux',
      source: 'https://example.invalid/linux-dm.git',
      ref: 'for-next',
      dir: '/c/remotes',
      baseCommit: 'ab'.repeat(20),
    });
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

describe('the base results cache', () => {
  test('restored by base commit, compiler, fragments; saved under the entries left (sparse, build, boot)', async () => {
    const cells = await resolveCells(['x86_64-dm', 'i386-highmem']);
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'kpci-cache-'));
    const spec = (compiler = 'gcc 12') =>
      baseSpec({ os: 'linux', cells, compiler, baseCommit: 'c0ffee'.repeat(7), cacheDir });
    const empty = await spec();
    expect(empty.paths).toEqual([path.join(cacheDir, 'base')]);
    expect(empty.key).toMatch(/^kpci-base-linux-c0ffeec0ffee-[0-9a-f]{16}-[0-9a-f]{16}-none$/);
    expect(empty.restoreKeys[0]).toBe(empty.key.replace(/none$/, ''));
    mkdirSync(path.join(cacheDir, 'base', 'build', 'build-abc'), { recursive: true });
    mkdirSync(path.join(cacheDir, 'base', 'build', '.tmp-build-def-1-2'), { recursive: true });
    const one = await spec();
    expect(one.key).not.toBe(empty.key);
    expect(one.restoreKeys[0]).toBe(empty.restoreKeys[0]);
    // a half-written entry is not part of what is saved
    mkdirSync(path.join(cacheDir, 'base', 'boot', '.trash-boot-x'), { recursive: true });
    expect((await spec()).key).toBe(one.key);
    mkdirSync(path.join(cacheDir, 'base', 'boot', 'boot-abc'), { recursive: true });
    const two = await spec();
    expect(two.key).not.toBe(one.key);
    // sparse's base checks are entries too: a run that added only one still saves
    mkdirSync(path.join(cacheDir, 'base', 'sparse', 'sparse-abc'), { recursive: true });
    expect((await spec()).key).not.toBe(two.key);
    expect((await spec('gcc 14')).restoreKeys[0]).not.toBe(empty.restoreKeys[0]);
  });
});

describe('what the cache steps of action.yml read', () => {
  test('a spec becomes <name>-path, -key and -restore-keys, multi-line lists one entry per line', () => {
    const spec = {
      what: 'ccache',
      paths: ['/c/ccache', '/c/more'],
      key: 'kpci-ccache-linux-x',
      restoreKeys: ['kpci-ccache-linux-', 'kpci-ccache-'],
    };
    expect(cacheOutputs('ccache', spec)).toEqual({
      'ccache-path': '/c/ccache\n/c/more',
      'ccache-key': 'kpci-ccache-linux-x',
      'ccache-restore-keys': 'kpci-ccache-linux-\nkpci-ccache-',
    });
    expect(noCacheOutputs('guest')).toEqual({ 'guest-path': '', 'guest-key': '', 'guest-restore-keys': '' });
  });

  test("ccache is bounded at about 1G a cell, so a two-cell job stays far inside GitHub's 10 GB a repository", () => {
    expect(defaultCcacheSize(1)).toBe('1G');
    expect(defaultCcacheSize(2)).toBe('2G');
    expect(defaultCcacheSize(0)).toBe('1G');
  });
});
