// The guest userspace for real: Debian's packages of each guest architecture, resolved and downloaded through the
// private apt root (the package archive is the one network this project may use), unpacked and packed into cpio.
import { afterAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO } from '../helpers/fixtures.js';
import { TEST_CACHE } from '../helpers/kernel.js';
import { buildInitramfs } from '../../src/guest/initramfs.js';
import { RunError } from '../../src/errors.js';

const MINUTE = 60_000;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'kpci-initramfs-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * Names in every archive of a concatenated newc initramfs, read the way the kernel does
 * (cpio -t stops at the first).
 */
function listing(file: string): string[] {
  const data = readFileSync(file);
  const names: string[] = [];
  let at = 0;
  while (at + 110 <= data.length) {
    if (data.toString('latin1', at, at + 6) !== '070701') {
      at += 4;
      continue;
    } // padding between archives
    const field = (i: number) => parseInt(data.toString('latin1', at + 6 + i * 8, at + 14 + i * 8), 16);
    const [size, nameSize] = [field(6), field(11)];
    const name = data.toString('utf8', at + 110, at + 110 + nameSize - 1);
    if (name !== 'TRAILER!!!') names.push(name);
    at = Math.ceil((at + 110 + nameSize) / 4) * 4;
    at = Math.ceil((at + size) / 4) * 4;
  }
  return names;
}

describe('guest initramfs from Debian packages', () => {
  test.each([
    ['i386', 'lib/ld-linux.so.2'],
    ['x86_64', 'lib64/ld-linux-x86-64.so.2'],
  ])(
    '%s: the tools, their libraries and loader, our init and scenarios; cached by versions',
    async (arch, loader) => {
      const outFile = path.join(scratch, `${arch}.cpio`);
      const first = await buildInitramfs({ guestDir: path.join(REPO, 'guest'), arch, cacheDir: TEST_CACHE, outFile });
      const files = listing(outFile);
      for (const f of [
        'init',
        'bin/busybox',
        'sbin/lvm',
        'sbin/dmsetup',
        'sbin/cryptsetup',
        'sbin/mkfs.ext4',
        'usr/sbin/thin_check',
        'sbin/mdadm',
        loader,
        'etc/lvm/lvm.conf',
        'kpci/lib.sh',
        'kpci/scenarios/10-crypt-lmk.sh',
      ])
        expect(files).toContain(f);
      expect(files.some((f) => f.includes('/gconv/'))).toBe(false); // dropped
      expect(first.packages.find((p) => p.name === 'lvm2')).toBeDefined();
      // mdadm comes bare: none of what it alone depends on (udev, debconf, perl)
      expect(first.packages.find((p) => p.name === 'mdadm')).toBeDefined();
      expect(first.packages.filter((p) => ['udev', 'debconf', 'perl-base', 'adduser'].includes(p.name))).toEqual([]);
      // the ELF class of the guest's binaries is the guest's
      const dir = path.join(scratch, `${arch}-x`);
      execFileSync('sh', [
        '-c',
        `mkdir -p "$1" && cd "$1" && cpio -id --quiet sbin/dmsetup < "$2"`,
        'sh',
        dir,
        outFile,
      ]);
      const elf = readFileSync(path.join(dir, 'sbin/dmsetup'));
      expect([elf.subarray(1, 4).toString(), elf[4], elf.readUInt16LE(18)]).toEqual(
        arch === 'i386' ? ['ELF', 1, 3] : ['ELF', 2, 62],
      ); // class, e_machine

      const again = await buildInitramfs({ guestDir: path.join(REPO, 'guest'), arch, cacheDir: TEST_CACHE, outFile });
      expect(again.cached).toBe(true);
      expect(again.packages).toEqual(first.packages);
    },
    10 * MINUTE,
  );

  test(
    'a package the archive does not have: one clear line, nothing left half-built',
    async () => {
      const guest = path.join(scratch, 'bad-guest');
      cpSync(path.join(REPO, 'guest'), guest, { recursive: true });
      writeFileSync(path.join(guest, 'packages.txt'), 'install: busybox-static kpci-no-such-package\n');
      const error = await buildInitramfs({
        guestDir: guest,
        arch: 'x86_64',
        cacheDir: TEST_CACHE,
        outFile: path.join(scratch, 'bad.cpio'),
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RunError);
      expect((error as RunError).kind).toBe('infrastructure');
      expect((error as Error).message).toMatch(
        /^cannot resolve the amd64 guest packages: Unable to locate package kpci-no-such-package$/,
      );
    },
    5 * MINUTE,
  );
});
