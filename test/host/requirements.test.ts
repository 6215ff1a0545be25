// The host checks against this machine's real tools, and against a PATH that lacks QEMU.
import { describe, expect, test } from '@jest/globals';
import { pathWithout } from '../helpers/host.js';
import { blockedStages, checkStages, stageNeeds } from '../../src/host/requirements.js';

describe('what the stages need', () => {
  test("the boot needs the QEMU of each cell's arch, once", () => {
    expect(
      stageNeeds('boot', ['x86_64', 'i386', 'i386'])
        .filter((n) => n.command.startsWith('qemu'))
        .map((n) => n.command),
    ).toEqual(['qemu-system-x86_64', 'qemu-system-i386']);
    expect(stageNeeds('boot', ['s390']).some((n) => n.command.startsWith('qemu'))).toBe(false); // that cell's own error
  });

  test(
    "a missing cross compiler is its cells' problem: shown, " + 'but the build stage is not blocked for the others',
    async () => {
      const checks = await checkStages(['build'], ['x86_64', 's390']);
      expect(checks.find((c) => c.command === 'compiler for ARCH=s390')).toMatchObject({
        perCell: true,
        problem: expect.stringContaining('gcc-s390x-linux-gnu'),
      });
      expect(blockedStages(checks)).toEqual(new Map());
    },
  );

  test('on this machine every stage can run, and each tool says its version', async () => {
    const checks = await checkStages(
      ['apply', 'checkpatch', 'sparse', 'build', 'boot', 'readiness'],
      ['x86_64', 'i386'],
    );
    expect(blockedStages(checks)).toEqual(new Map());
    expect(checks.find((c) => c.command === 'sparse')!.version).toMatch(/^\d+\.\d+/);
    expect(checks.find((c) => c.command === 'qemu-system-i386')!.version).toMatch(/^QEMU emulator version \d/);
    expect(checks.find((c) => c.command === 'compiler for ARCH=i386')!.version).toBe('the host gcc');
  });

  test('without QEMU on the PATH the boot is blocked, naming the package; the other stages are not', async () => {
    const bin = pathWithout('qemu-system-');
    const saved = process.env.PATH;
    process.env.PATH = bin;
    try {
      const blocked = blockedStages(await checkStages(['apply', 'build', 'boot'], ['i386']));
      expect([...blocked]).toEqual([['boot', 'qemu-system-i386 is not installed (Debian package: qemu-system-x86)']]);
    } finally {
      process.env.PATH = saved;
    }
  });
});
