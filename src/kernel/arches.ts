// Every fact about a kernel architecture, in one table (like TuxMake's arch files): what make is told, which
// compiler builds it, which image it makes, and how QEMU and the guest's Debian packages run it. Adding an
// architecture is one entry here plus a config fragment with its "# arch:" header.
import { usageError } from '../errors.js';

export interface GuestArch {
  /** The QEMU system emulator and its machine. */
  qemuBinary: string;
  qemuPackage: string;
  machine: string;
  /** The serial console's name on the kernel command line. */
  console: string;
  /** Debian's name for the architecture, for the guest's packages. */
  debianArch: string;
  /** Guest RAM. */
  memoryMiB: number;
}

export interface Arch {
  /** ARCH= for make, and the "# arch:" of a fragment. */
  name: string;
  /** Its directory under arch/ (SRCARCH): x86 for both x86_64 and i386. */
  srcArch: string;
  /** The compiler: the host's gcc on these Node os.arch() hosts, else the cross gcc. */
  nativeOn: readonly string[];
  crossPrefix?: string;
  crossPackage?: string;
  /** The image make target and where it lands under O=. */
  imageTarget: string;
  imagePath: string;
  /** How to boot it; undefined: this tool builds the arch but cannot boot it yet. */
  guest?: GuestArch;
}

const X86_GUEST = { qemuPackage: 'qemu-system-x86', machine: 'pc', console: 'ttyS0' } as const;

export const ARCHES: Readonly<Record<string, Arch>> = {
  x86_64: {
    name: 'x86_64',
    srcArch: 'x86',
    nativeOn: ['x64'],
    crossPrefix: 'x86_64-linux-gnu-',
    crossPackage: 'gcc-x86-64-linux-gnu',
    imageTarget: 'bzImage',
    imagePath: 'arch/x86/boot/bzImage',
    guest: { ...X86_GUEST, qemuBinary: 'qemu-system-x86_64', debianArch: 'amd64', memoryMiB: 1024 },
  },
  i386: {
    name: 'i386',
    srcArch: 'x86',
    // the host gcc builds it with -m32
    nativeOn: ['x64', 'ia32'],
    crossPrefix: 'i686-linux-gnu-',
    crossPackage: 'gcc-i686-linux-gnu',
    imageTarget: 'bzImage',
    imagePath: 'arch/x86/boot/bzImage',
    // more than its ~890 MiB of lowmem, so that HighTotal is not zero and kmap_local_page() really maps
    guest: { ...X86_GUEST, qemuBinary: 'qemu-system-i386', debianArch: 'i386', memoryMiB: 2048 },
  },
  arm64: {
    name: 'arm64',
    srcArch: 'arm64',
    nativeOn: ['arm64'],
    crossPrefix: 'aarch64-linux-gnu-',
    crossPackage: 'gcc-aarch64-linux-gnu',
    imageTarget: 'Image',
    imagePath: 'arch/arm64/boot/Image',
  },
  arm: {
    name: 'arm',
    srcArch: 'arm',
    nativeOn: ['arm'],
    crossPrefix: 'arm-linux-gnueabihf-',
    crossPackage: 'gcc-arm-linux-gnueabihf',
    imageTarget: 'zImage',
    imagePath: 'arch/arm/boot/zImage',
  },
  riscv: {
    name: 'riscv',
    srcArch: 'riscv',
    nativeOn: ['riscv64'],
    crossPrefix: 'riscv64-linux-gnu-',
    crossPackage: 'gcc-riscv64-linux-gnu',
    imageTarget: 'Image',
    imagePath: 'arch/riscv/boot/Image',
  },
  powerpc: {
    name: 'powerpc',
    srcArch: 'powerpc',
    nativeOn: ['ppc64'],
    crossPrefix: 'powerpc64le-linux-gnu-',
    crossPackage: 'gcc-powerpc64le-linux-gnu',
    imageTarget: 'zImage',
    imagePath: 'arch/powerpc/boot/zImage',
  },
  s390: {
    name: 's390',
    srcArch: 's390',
    nativeOn: ['s390x'],
    crossPrefix: 's390x-linux-gnu-',
    crossPackage: 'gcc-s390x-linux-gnu',
    imageTarget: 'bzImage',
    imagePath: 'arch/s390/boot/bzImage',
  },
};

/** The table's entry; an architecture it does not know is the user's error, never a silent x86 default. */
export function archOf(name: string): Arch {
  const arch = Object.hasOwn(ARCHES, name) ? ARCHES[name] : undefined;
  if (!arch)
    throw usageError(`unknown architecture ${JSON.stringify(name)} (known: ${Object.keys(ARCHES).join(', ')})`);
  return arch;
}

/** Whether this tool can boot the arch's kernels, and how. */
export function guestOf(name: string): GuestArch | undefined {
  return archOf(name).guest;
}
