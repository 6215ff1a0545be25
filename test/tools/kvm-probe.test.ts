// The KVM probe's guest is real code run by the real QEMU: under TCG it must print, so a probe that fails under KVM
// is KVM's failure, not the image's.
import { describe, expect, test } from '@jest/globals';
import { multibootProbeImage, probeGuest, probeKvm } from '../../src/tools/kvm-probe.js';

describe('the KVM probe', () => {
  test('a multiboot v1 header QEMU accepts: magic, flags and a checksum that sums to zero', () => {
    const image = multibootProbeImage();
    const [magic, flags, sum] = [0, 4, 8].map((o) => image.readUInt32LE(o));
    expect(magic).toBe(0x1badb002);
    expect((magic! + flags! + sum!) >>> 0).toBe(0);
    expect(image.readUInt32LE(28)).toBe(0x100000 + 32); // the entry is the first byte after the header
  });

  test.each(['x86_64', 'i386'])(
    'under TCG the probe guest of %s starts and prints within seconds',
    async (arch) => {
      const r = await probeGuest(arch, 'tcg', 20_000);
      expect(r).toMatchObject({ started: true });
      expect(r.ms).toBeLessThan(20_000);
    },
    30_000,
  );

  test(
    'probeKvm answers KVM or TCG with a reason, never throws ' + "(this machine: /dev/kvm refuses the run's -cpu host)",
    async () => {
      const r = await probeKvm('x86_64');
      expect(['kvm', 'tcg']).toContain(r.accel);
      expect(r.why).toMatch(
        r.accel === 'kvm'
          ? /^a probe guest ran under KVM in [\d.]+s$/
          : /^(no usable \/dev\/kvm|\/dev\/kvm is there but a probe guest did not start under it \(.+\))$/,
      );
    },
    30_000,
  );
});
