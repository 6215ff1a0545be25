import { describe, expect, test } from '@jest/globals';
import { fixture } from '../helpers/fixtures.js';
import { aptOptions, debFileName, parseSimulatedInstall, sourceTwin, sourceVersion } from '../../src/tools/apt.js';

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

describe('sourceTwin and sourceVersion', () => {
  test('a deb822 file: each enabled binary stanza becomes deb-src, the rest goes', () => {
    const text = [
      'Types: deb',
      'URIs: http://deb.debian.org/debian',
      'Suites: bookworm bookworm-updates',
      'Components: main',
      '',
      'Types: deb',
      'URIs: http://example.org/off',
      'Suites: x',
      'Enabled: no',
      '',
      'Types: deb-src',
      'URIs: http://example.org/src',
      'Suites: y',
    ].join('\n');
    expect(sourceTwin(text, 'sources')).toBe(
      'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main',
    );
  });

  test('a one-line list: deb lines become deb-src, comments and deb-src lines go', () => {
    const text = '# mirror\ndeb [arch=amd64] http://deb.debian.org/debian bookworm main\ndeb-src http://x y z\n';
    expect(sourceTwin(text, 'list')).toBe('deb-src [arch=amd64] http://deb.debian.org/debian bookworm main');
  });

  test('a binNMU version is the source version without +bN', () => {
    expect(sourceVersion('4.2-5+b1')).toBe('4.2-5');
    expect(sourceVersion('2:2.6.1-4~deb12u2')).toBe('2:2.6.1-4~deb12u2');
  });
});
