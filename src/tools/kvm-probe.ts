// Does a guest really start under KVM? /dev/kvm can be there and QEMU still fail with the run's own command line
// (a nested host refusing an MSR that `-cpu host` sets, seen on this project's build machines). The probe boots a
// 58-byte multiboot image with that same command line: it prints "KVM" on the serial port and halts, in well
// under a second when KVM works.
import { constants } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execTool } from './exec.js';
import { qemuArgs, qemuBinary, type Accel } from './qemu.js';

const LOAD_ADDRESS = 0x100000;
const PROBE_TEXT = 'KVM';

/** A multiboot v1 image (the a.out kludge: a flat binary at 1 MiB) whose code writes PROBE_TEXT to COM1 and halts. */
export function multibootProbeImage(): Buffer {
  const magic = 0x1badb002;
  const flags = 0x00010000; // the address fields below are valid
  const header = Buffer.alloc(32);
  [magic, flags, -(magic + flags) >>> 0, LOAD_ADDRESS, LOAD_ADDRESS, 0, 0, LOAD_ADDRESS + 32].forEach((v, i) =>
    header.writeUInt32LE(v >>> 0, i * 4),
  );
  const out = (ch: number) => [0xb0, ch, 0xee]; // mov al, ch; out dx, al
  const code = Buffer.from([
    0x66,
    0xba,
    0xf8,
    0x03,
    ...[...PROBE_TEXT, '\n'].flatMap((c) => out(c.charCodeAt(0))),
    0xfa,
    0xf4,
    0xeb,
    0xfd,
  ]); // mov dx, 0x3f8 … cli; hlt; jmp hlt
  return Buffer.concat([header, code]);
}

export interface AccelProbe {
  accel: Accel;
  /** Why this accelerator: what the probe saw. */
  why: string;
}

/** Boot the probe image with the run's QEMU command line under `accel`: did it print, and if not, what QEMU said. */
export async function probeGuest(
  arch: string,
  accel: Accel,
  timeoutMs = 15_000,
): Promise<{ started: boolean; ms: number; said: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kpci-kvm-probe-'));
  try {
    const kernel = path.join(dir, 'probe.bin');
    const initrd = path.join(dir, 'module');
    await writeFile(kernel, multibootProbeImage());
    await writeFile(initrd, 'kernel-patch-ci probe\n');
    const abort = new AbortController();
    const started = Date.now();
    let seen = false;
    const r = await execTool(
      qemuBinary(arch),
      qemuArgs({
        arch,
        kernel,
        initrd,
        append: [],
        memoryMiB: 64,
        cpus: Math.min(2, os.availableParallelism()),
        disks: [],
        accel,
      }),
      {
        timeoutMs,
        signal: abort.signal,
        onLine: (line) => {
          if (line.trim() === PROBE_TEXT) {
            seen = true;
            abort.abort();
          }
        },
      },
    ).catch((error: Error) => ({ code: -1, stdout: '', stderr: error.message }));
    const said =
      `${r.stderr}\n${r.stdout}`
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .find((l) => /error|fail/i.test(l)) ?? `no output in ${timeoutMs / 1000}s`;
    return { started: seen, ms: Date.now() - started, said: said.slice(0, 160) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** KVM when the probe guest prints under it with the run's QEMU command line; TCG otherwise, with the reason. */
export async function probeKvm(arch: string, timeoutMs = 15_000): Promise<AccelProbe> {
  try {
    await access('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return { accel: 'tcg', why: 'no usable /dev/kvm' };
  }
  const p = await probeGuest(arch, 'kvm', timeoutMs);
  if (p.started) return { accel: 'kvm', why: `a probe guest ran under KVM in ${(p.ms / 1000).toFixed(1)}s` };
  return { accel: 'tcg', why: `/dev/kvm is there but a probe guest did not start under it (${p.said})` };
}
