import { describe, expect, test } from '@jest/globals';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ARCHES, archOf, guestOf } from '../../src/kernel/arches.js';
import { packageRoot, parseFragment, resolveCells } from '../../src/kernel/cells.js';

describe('the arch table', () => {
  test('every entry is named by its key, and every shipped fragment names an arch the table boots', async () => {
    for (const [key, arch] of Object.entries(ARCHES)) expect(arch.name).toBe(key);
    const dir = path.join(packageRoot(), 'configs');
    const fragments = (await readdir(dir)).filter((f) => f.endsWith('.config'));
    expect(fragments.length).toBeGreaterThan(1);
    for (const f of fragments) {
      const { arch } = parseFragment(await readFile(path.join(dir, f), 'utf8'), f);
      expect(guestOf(arch ?? 'x86_64')).toMatchObject({ qemuBinary: expect.stringMatching(/^qemu-system-/) });
    }
  });

  test('the x86 facts the build and boot stages use', () => {
    expect(archOf('i386')).toMatchObject({
      srcArch: 'x86',
      imageTarget: 'bzImage',
      imagePath: 'arch/x86/boot/bzImage',
    });
    expect(guestOf('i386')).toMatchObject({ qemuBinary: 'qemu-system-i386', debianArch: 'i386', memoryMiB: 2048 });
    expect(guestOf('x86_64')).toMatchObject({ qemuBinary: 'qemu-system-x86_64', debianArch: 'amd64', machine: 'pc' });
    // an arch we build but do not boot yet has no guest
    expect(archOf('arm64')).toMatchObject({
      srcArch: 'arm64',
      imageTarget: 'Image',
      crossPrefix: 'aarch64-linux-gnu-',
    });
    expect(guestOf('arm64')).toBeUndefined();
  });

  test('an unknown arch is an error, never an x86 build of it', async () => {
    expect(() => archOf('vax')).toThrow(
      'unknown architecture "vax" (known: x86_64, i386, arm64, arm, riscv, powerpc, s390)',
    );
    expect(() => archOf('toString')).toThrow(/^unknown architecture/); // not a property of every object
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kpci-arch-'));
    const fragment = path.join(dir, 'vax-dm.config');
    await writeFile(fragment, '# arch: vax\nCONFIG_DM_CRYPT=y\n');
    await expect(resolveCells([fragment])).rejects.toThrow(
      `${fragment}: unknown "# arch: vax" (known: x86_64, i386, arm64, arm, riscv, powerpc, s390)`,
    );
  });
});
