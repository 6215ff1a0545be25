import { describe, expect, test } from '@jest/globals';
import { fixture } from '../helpers/fixtures.js';
import { aptOptions, debFileName, parseSimulatedInstall } from '../../src/tools/apt.js';

describe('apt adapter', () => {
  test('a real `apt-get -s install` for the i386 guest: every package apt would unpack, with its version', () => {
    const packages = parseSimulatedInstall(fixture('boot', 'apt-simulate-i386.txt'));
    expect(packages).toHaveLength(43);
    const names = packages.map((p) => p.name);
    for (const n of [
      'busybox-static',
      'lvm2',
      'dmsetup',
      'cryptsetup-bin',
      'e2fsprogs',
      'thin-provisioning-tools',
      'libc6',
      'libdevmapper1.02.1',
    ])
      expect(names).toContain(n);
    expect(packages.find((p) => p.name === 'busybox-static')!.version).toBe('1:1.35.0-4+deb12u1+b1');
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
  });

  test('download file names escape the epoch, as apt-get download writes them', () => {
    expect(debFileName({ name: 'dmsetup', version: '2:1.02.185-2' }, 'i386')).toBe('dmsetup_2%3a1.02.185-2_i386.deb');
    expect(debFileName({ name: 'lsb-base', version: '11.6' }, 'i386', true)).toBe('lsb-base_11.6_all.deb');
  });

  test('the private root: its own state, one architecture, no lock on the host', () => {
    const o = aptOptions({ dir: '/c/apt', arch: 'i386' }).join(' ');
    expect(o).toContain('Dir::State=/c/apt/state');
    expect(o).toContain('Dir::State::status=/c/apt/status');
    expect(o).toContain('APT::Architecture=i386');
    expect(o).toContain('Debug::NoLocking=1');
  });
});
