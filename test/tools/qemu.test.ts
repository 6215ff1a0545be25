import { describe, expect, test } from '@jest/globals';
import { qemuArgs, qemuBinary } from '../../src/tools/qemu.js';

describe('qemu command line', () => {
  const boot = {
    arch: 'i386',
    kernel: '/k/bzImage',
    initrd: '/k/initrd',
    append: ['kpci.out=/dev/vde'],
    memoryMiB: 2048,
    cpus: 2,
    disks: ['/d/a.img', '/d/b.img'],
    accel: 'tcg' as const,
  };

  test('serial console, no reboot, panic exits, virtio disks in order', () => {
    const args = qemuArgs(boot);
    expect(qemuBinary('i386')).toBe('qemu-system-i386');
    expect(args).toEqual(
      expect.arrayContaining(['-nodefaults', '-no-reboot', '-serial', 'stdio', '-m', '2048', '-kernel', '/k/bzImage']),
    );
    expect(args[args.indexOf('-append') + 1]).toBe('console=ttyS0 panic=-1 kpci.out=/dev/vde');
    expect(args.filter((a) => a.startsWith('file='))).toEqual([
      'file=/d/a.img,format=raw,if=virtio,cache=unsafe',
      'file=/d/b.img,format=raw,if=virtio,cache=unsafe',
    ]);
    expect(args[args.indexOf('-accel') + 1]).toBe('tcg');
    expect(args).not.toContain('host');
  });

  test('each CPU a socket of its own, so the guest finds them all in the MP table', () => {
    const args = qemuArgs(boot);
    expect(args[args.indexOf('-smp') + 1]).toBe('2,sockets=2,cores=1,threads=1');
  });

  test('KVM passes the host CPU through', () => {
    const args = qemuArgs({ ...boot, arch: 'x86_64', accel: 'kvm' });
    expect(args[args.indexOf('-accel') + 1]).toBe('kvm');
    expect(args[args.indexOf('-cpu') + 1]).toBe('host');
    expect(() => qemuBinary('sparc')).toThrow(/^unknown architecture "sparc"/);
    expect(() => qemuBinary('s390')).toThrow('no QEMU machine for ARCH=s390 in the arch table'); // built, not booted
  });
});
