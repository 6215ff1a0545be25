// Which compiler builds a cell's arch: the host gcc for x86 (ARCH=i386 builds with -m32), a cross gcc otherwise.
import os from 'node:os';
import { execTool } from '../tools/exec.js';

const CROSS_PREFIX: Record<string, { prefix: string; pkg: string }> = {
  arm64: { prefix: 'aarch64-linux-gnu-', pkg: 'gcc-aarch64-linux-gnu' },
  arm: { prefix: 'arm-linux-gnueabihf-', pkg: 'gcc-arm-linux-gnueabihf' },
  riscv: { prefix: 'riscv64-linux-gnu-', pkg: 'gcc-riscv64-linux-gnu' },
  powerpc: { prefix: 'powerpc64le-linux-gnu-', pkg: 'gcc-powerpc64le-linux-gnu' },
  s390: { prefix: 's390x-linux-gnu-', pkg: 'gcc-s390x-linux-gnu' },
  mips: { prefix: 'mips-linux-gnu-', pkg: 'gcc-mips-linux-gnu' },
};

const NATIVE_X86 = new Set(['x86_64', 'i386', 'x86']);

export type Toolchain = { ok: true; crossCompile?: string } | { ok: false; reason: string };

export async function toolchainFor(arch: string, hostArch = os.arch()): Promise<Toolchain> {
  if (NATIVE_X86.has(arch) && hostArch === 'x64') return { ok: true };
  const cross = CROSS_PREFIX[arch];
  if (!cross) return { ok: false, reason: `no known compiler for ARCH=${arch}` };
  const probe = await execTool(`${cross.prefix}gcc`, ['--version']).catch(() => undefined);
  if (!probe || probe.code !== 0) return { ok: false, reason: `no compiler for ARCH=${arch}: ${cross.prefix}gcc is not installed (Debian package: ${cross.pkg})` };
  return { ok: true, crossCompile: cross.prefix };
}
