// QEMU, one function per question: the command line for a boot (pure), and a boot run under a hard timeout with
// a watchdog that can stop it early. Serial console on stdout; -no-reboot turns the guest's reboot into an exit.
import { execTool, type ExecResult } from './exec.js';
import { guestOf, type GuestArch } from '../kernel/arches.js';

export type Accel = 'kvm' | 'tcg';

export interface QemuBoot {
  /** Kernel ARCH of the image: x86_64 or i386. */
  arch: string;
  kernel: string;
  initrd: string;
  /** Kernel command line words. */
  append: string[];
  memoryMiB: number;
  cpus: number;
  /** Raw disk images, in order: /dev/vda, /dev/vdb, … */
  disks: string[];
  /** Raw images after those, whose writes go to QEMU's temporary overlay (snapshot=on): the file stays as it is. */
  snapshotDisks?: string[];
  accel: Accel;
}

/** The arch table's guest entry; an arch this tool builds but cannot boot is the caller's one-line error. */
function guest(arch: string): GuestArch {
  const found = guestOf(arch);
  if (!found) throw new Error(`no QEMU machine for ARCH=${arch} in the arch table`);
  return found;
}

export function qemuBinary(arch: string): string {
  return guest(arch).qemuBinary;
}

/**
 * Pure: QEMU's arguments. -nodefaults drops the NIC (no iPXE ROM to load) and the VGA; panic=-1 reboots, i.e. exits.
 */
export function qemuArgs(boot: QemuBoot): string[] {
  const { machine, console } = guest(boot.arch);
  return [
    '-nodefaults',
    '-no-reboot',
    '-display',
    'none',
    '-serial',
    'stdio',
    '-machine',
    machine,
    '-accel',
    boot.accel,
    ...(boot.accel === 'kvm' ? ['-cpu', 'host'] : []),
    // one CPU per socket: SeaBIOS's MP table lists only each socket's first core, and our kernels find their CPUs
    // there (no ACPI), so QEMU's default of cores in one socket leaves the guest with one CPU
    '-m',
    String(boot.memoryMiB),
    '-smp',
    `${boot.cpus},sockets=${boot.cpus},cores=1,threads=1`,
    '-kernel',
    boot.kernel,
    '-initrd',
    boot.initrd,
    '-append',
    [`console=${console}`, 'panic=-1', ...boot.append].join(' '),
    ...boot.disks.flatMap((file) => ['-drive', `file=${file},format=raw,if=virtio,cache=unsafe`]),
    ...(boot.snapshotDisks ?? []).flatMap((file) => [
      '-drive',
      `file=${file},format=raw,if=virtio,cache=unsafe,snapshot=on`,
    ]),
  ];
}

export interface QemuRunOptions {
  timeoutMs: number;
  onLine?: (line: string) => void;
  signal?: AbortSignal;
}

export function runQemu(boot: QemuBoot, options: QemuRunOptions): Promise<ExecResult> {
  return execTool(qemuBinary(boot.arch), qemuArgs(boot), {
    timeoutMs: options.timeoutMs,
    onLine: options.onLine,
    signal: options.signal,
  });
}
