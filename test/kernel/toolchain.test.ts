import { describe, expect, test } from '@jest/globals';
import { toolchainFor } from '../../src/kernel/toolchain.js';

describe('toolchainFor', () => {
  test('x86_64 and i386 build with the host gcc on an x86_64 host', async () => {
    expect(await toolchainFor('x86_64', 'x64')).toEqual({ ok: true });
    expect(await toolchainFor('i386', 'x64')).toEqual({ ok: true });
    expect(await toolchainFor('arm64', 'arm64')).toEqual({ ok: true });
  });
  test('an arch without an installed cross compiler says which package to install', async () => {
    expect(await toolchainFor('s390', 'x64')).toEqual({
      ok: false,
      reason: 'no compiler for ARCH=s390: s390x-linux-gnu-gcc is not installed (Debian package: gcc-s390x-linux-gnu)',
    });
    await expect(toolchainFor('vax', 'x64')).rejects.toThrow(
      'unknown architecture "vax" (known: x86_64, i386, arm64, arm, riscv, powerpc, s390)',
    );
  });
});
