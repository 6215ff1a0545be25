// Which compiler builds a cell's arch: the host gcc where the arch table says it is native, a cross gcc otherwise.
import os from 'node:os';
import { gccVersion } from '../tools/gcc.js';
import { archOf } from './arches.js';

export type Toolchain = { ok: true; crossCompile?: string } | { ok: false; reason: string };

export async function toolchainFor(archName: string, hostArch = os.arch()): Promise<Toolchain> {
  const arch = archOf(archName);
  if (arch.nativeOn.includes(hostArch)) return { ok: true };
  if (!arch.crossPrefix) return { ok: false, reason: `no known compiler for ARCH=${arch.name} on a ${hostArch} host` };
  const version = await gccVersion(arch.crossPrefix);
  if (!version) {
    return {
      ok: false,
      reason:
        `no compiler for ARCH=${arch.name}: ${arch.crossPrefix}gcc is not installed ` +
        `(Debian package: ${arch.crossPackage})`,
    };
  }
  return { ok: true, crossCompile: arch.crossPrefix };
}
