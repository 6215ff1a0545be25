import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO } from '../helpers/fixtures.js';
import { packagesKey, parsePackageList } from '../../src/guest/initramfs.js';

describe('guest package list', () => {
  test('the shipped list: the tools the scenarios run, and what is dropped', () => {
    const list = parsePackageList(readFileSync(path.join(REPO, 'guest', 'packages.txt'), 'utf8'));
    expect(list.install).toEqual([
      'busybox-static',
      'lvm2',
      'dmsetup',
      'cryptsetup-bin',
      'e2fsprogs',
      'thin-provisioning-tools',
    ]);
    expect(list.bare).toEqual(['mdadm']);
    expect(list.drop).toContain('usr/lib/*/gconv');
  });

  test('a bad line names the file and line; an empty list is refused', () => {
    expect(() => parsePackageList('install: a\nfetch: b\n', 'g/packages.txt')).toThrow(
      'g/packages.txt:2: expected "install: …", "bare: …" or "drop: …", got "fetch: b"',
    );
    expect(() => parsePackageList('# nothing\n', 'p')).toThrow('p installs no packages');
  });

  test('the cache key changes with any package version and with the architecture', () => {
    const pkgs = [
      { name: 'libc6', version: '2.36-9+deb12u14' },
      { name: 'lvm2', version: '2.03.16-2' },
    ];
    const key = packagesKey('i386', pkgs, []);
    expect(packagesKey('i386', pkgs, [])).toBe(key);
    expect(packagesKey('amd64', pkgs, [])).not.toBe(key);
    expect(packagesKey('i386', [pkgs[0]!, { name: 'lvm2', version: '2.03.16-3' }], [])).not.toBe(key);
  });
});
