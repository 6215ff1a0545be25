// The boot stage for real: kernels built from linux-source-6.1 by the build stage, booted in QEMU (TCG here: the
// KVM probe fails on this machine) with the Debian guest userspace. The tests share one out dir, so after the
// first run only what a series touches is rebuilt.
import { afterAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EXAMPLE_SERIES, FIXTURES, REPO } from '../helpers/fixtures.js';
import { KERNEL_TARBALL, removeOutDirs, runCli, stage } from '../helpers/kernel.js';

const HOUR = 3_600_000;
const series = (name: string) => path.join(FIXTURES, 'series', name);
const boot = (...args: string[]) => runCli(['--tree', KERNEL_TARBALL, '--stages', 'boot', ...args]);
const scratch = mkdtempSync(path.join(os.tmpdir(), 'kpci-boot-e2e-'));

afterAll(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await removeOutDirs();
}, HOUR);

/** A copy of the shipped guest with its scenarios replaced (or its init, or its package list). */
function customGuest(name: string, files: Record<string, string>): string {
  const dir = path.join(scratch, name);
  cpSync(path.join(REPO, 'guest'), dir, { recursive: true });
  rmSync(path.join(dir, 'scenarios'), { recursive: true });
  mkdirSync(path.join(dir, 'scenarios'));
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
  return dir;
}

function ourQemus(): string[] {
  try {
    return execFileSync('pgrep', ['-a', '-f', 'qemu-system-'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('kpci.out='));
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

const diskImages = (outDir: string) => {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name.endsWith('.img')) found.push(path.join(d, e.name));
    }
  };
  if (existsSync(path.join(outDir, 'work', 'boot'))) walk(path.join(outDir, 'work', 'boot'));
  return found;
};

describe('boot stage on linux-source-6.1', () => {
  test('the example series passes every scenario in both cells, with the base kernel\'s ciphertext and its changed functions run', async () => {
    const run = await boot('--series', EXAMPLE_SERIES);
    const b = stage(run, 'boot')!;
    expect(run.code).toBe(0);
    expect(b.status).toBe('pass');
    expect(b.cells!.map((c) => [c.config, c.status])).toEqual([['x86_64-dm', 'pass'], ['i386-highmem', 'pass']]);
    for (const cell of b.cells!) expect(cell.summary).toMatch(/^13\/13 scenarios passed under (TCG|KVM); ciphertext identical to base; 7\/8 changed functions executed/);
    expect(b.cells![1]!.summary).toMatch(/HighTotal [1-9]\d+ MiB/);
    expect(b.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    const ran = (config: string, type: string) => b.findings.filter((f) => f.config === config && f.type === type).map((f) => f.message.split('(')[0]).sort();
    for (const config of ['x86_64-dm', 'i386-highmem']) {
      expect(ran(config, 'CHANGE_EXECUTED')).toEqual(['crypt_iv_elephant', 'crypt_iv_lmk_gen', 'crypt_iv_lmk_post', 'crypt_iv_tcw_gen', 'crypt_iv_tcw_post', 'log_writes_map', 'write_metadata']);
      // 6.1 only reaches write_inline_data for marks with data, which never come (DOMAIN.md)
      expect(ran(config, 'CHANGE_NOT_REACHED')).toEqual(['write_inline_data']);
      const dir = path.join(run.outDir, 'artifacts', config);
      for (const f of ['console-base.log', 'console-patched.log', 'ktap-patched.txt', 'coverage.md', 'base/bzImage']) expect(existsSync(path.join(dir, f))).toBe(true);
      expect(readFileSync(path.join(dir, 'ktap-patched.txt'), 'utf8')).toMatch(/^KTAP version 1\n1\.\.13\n/);
      // our init seeds the RNG before any scenario: unseeded, every mkfs and integritysetup waits seconds for it
      const log = readFileSync(path.join(dir, 'console-patched.log'), 'utf8');
      expect(log.indexOf('random: crng init done')).toBeGreaterThan(0);
      expect(log.indexOf('random: crng init done')).toBeLessThan(log.indexOf('# kpci-begin 1 '));
    }
    expect(diskImages(run.outDir)).toEqual([]);
    expect(ourQemus()).toEqual([]);
  }, HOUR);

  test('kmap_local_page() unmapped with kunmap_atomic(): the watchdog fails crypt-lmk and names crypt_iv_lmk_post', async () => {
    const run = await boot('--series', series('boot-preempt-imbalance'), '--configs', 'x86_64-dm', '--scenarios', 'crypt-lmk');
    expect(run.code).toBe(1);
    const splats = stage(run, 'boot')!.findings.filter((f) => f.type === 'KERNEL_SPLAT');
    // the message first: when it fails, jest shows the whole excerpt
    expect(splats.map((f) => f.message)).toEqual([expect.stringMatching(/^WARNING: .* preempt_count_sub\+\S+ in crypt_iv_lmk_post\(\) \(drivers\/md\/dm-crypt.c, changed by patch 1\), during crypt-lmk\n/)]);
    expect(splats[0]).toMatchObject({ tool: 'kernel', severity: 'error', new: true, file: 'drivers/md/dm-crypt.c', patch: 1, config: 'x86_64-dm' });
    // the trace decoded with the tree's decode_stacktrace.sh against the cell's vmlinux
    expect(splats[0]!.message).toMatch(/\n \? crypt_iv_lmk_post \((\S+:\d+ )*drivers\/md\/dm-crypt\.c:\d+\)\n/);
  }, HOUR);

  test('dropping sg->offset in crypt_iv_tcw_gen: crypt-tcw cannot read its data back; crypt-lmk still passes', async () => {
    const run = await boot('--series', series('boot-tcw-corrupts-reads'), '--configs', 'x86_64-dm', '--scenarios', 'crypt-lmk,crypt-tcw');
    expect(run.code).toBe(1);
    const b = stage(run, 'boot')!;
    expect(b.cells![0]!.summary).toMatch(/^1\/2 scenarios passed/);
    const failed = b.findings.filter((f) => f.type === 'SCENARIO_FAILED');
    expect(failed.map((f) => f.message.split('\n')[0])).toEqual(['scenario crypt-tcw: read-back of /dev/mapper/kpci-tcw with O_DIRECT differs from what was written (aes-cbc-tcw)']);
    expect(b.findings.filter((f) => f.type === 'CIPHERTEXT_DIFFERS' || f.type === 'KERNEL_SPLAT')).toEqual([]); // writes are right
  }, HOUR);

  test('garbage on the console, then a scenario whose guest vanishes without a result', async () => {
    const guest = customGuest('vanish', {
      'scenarios/10-garbage.sh': 'head -c 4096 /dev/urandom >/dev/console\n',
      'scenarios/20-vanish.sh': 'reboot -f\n',
    });
    const run = await boot('--series', EXAMPLE_SERIES, '--configs', 'x86_64-dm', '--guest-dir', guest);
    const b = stage(run, 'boot')!;
    expect(b.findings.filter((f) => f.severity !== 'info').map((f) => [f.type, f.message.split('\n')[0]])).toEqual([
      ['SCENARIO_FAILS_ON_BASE', 'scenario vanish: no result (pre-existing: it fails on the base kernel too)'],
    ]);
    expect(b.cells![0]!.summary).toMatch(/^1\/2 scenarios passed/);
  }, HOUR);

  test('a hanging scenario: QEMU is killed at the scenario timeout, the last console lines are kept, nothing survives', async () => {
    const guest = customGuest('hang', { 'scenarios/10-hang.sh': 'echo about to hang >/dev/console\nsleep 100000\n' });
    const t0 = Date.now();
    const run = await boot('--series', EXAMPLE_SERIES, '--configs', 'x86_64-dm', '--guest-dir', guest, '--scenario-timeout', '15');
    const b = stage(run, 'boot')!;
    const hang = b.findings.find((f) => f.type === 'SCENARIO_FAILS_ON_BASE')!;
    expect(hang.message).toMatch(/^scenario hang: no result \(scenario hang did not finish within 15s\)/);
    expect(hang.message).toContain('about to hang');
    expect(b.durationMs).toBeLessThan(120_000);
    expect(Date.now() - t0).toBeGreaterThan(15_000);
    expect(ourQemus()).toEqual([]);
    expect(diskImages(run.outDir)).toEqual([]);
  }, HOUR);

  test('a kernel that panics at boot (its init exits): BOOT_FAILED with the panic, exit 2 as base fails too', async () => {
    const guest = customGuest('panic', { init: '#!/bin/busybox sh\nexit 1\n', 'scenarios/10-never.sh': 'true\n' });
    const run = await boot('--series', EXAMPLE_SERIES, '--configs', 'x86_64-dm', '--guest-dir', guest);
    expect(run.code).toBe(2);
    const failed = stage(run, 'boot')!.findings.find((f) => f.type === 'BOOT_FAILED')!;
    expect(failed.message).toMatch(/^the patched x86_64-dm kernel did not reach our init; the base kernel did not either\. Last console lines:\n/);
    expect(failed.message).toMatch(/Kernel panic - not syncing: Attempted to kill init!/);
  }, HOUR);

  test('a guest package the archive does not have: exit 2 with one line, results written', async () => {
    const guest = customGuest('bad-package', { 'packages.txt': 'install: busybox-static kpci-no-such-package\n', 'scenarios/10-x.sh': 'true\n' });
    const run = await boot('--series', EXAMPLE_SERIES, '--configs', 'x86_64-dm', '--guest-dir', guest);
    expect(run.code).toBe(2);
    expect(stage(run, 'boot')).toMatchObject({ status: 'error', summary: 'cannot resolve the amd64 guest packages: Unable to locate package kpci-no-such-package' });
    expect(run.results.verdict).toBe('error');
  }, HOUR);

  test('no QEMU installed: exit 2 naming the Debian package', async () => {
    const bin = path.join(scratch, 'bin-without-qemu');
    mkdirSync(bin);
    for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) {
      for (const name of existsSync(dir) ? readdirSync(dir) : []) {
        if (!name.startsWith('qemu-system-') && !existsSync(path.join(bin, name))) symlinkSync(path.join(dir, name), path.join(bin, name));
      }
    }
    const saved = process.env.PATH;
    process.env.PATH = bin;
    try {
      const run = await boot('--series', EXAMPLE_SERIES, '--configs', 'x86_64-dm', '--scenarios', 'crypt-lmk');
      expect(run.code).toBe(2);
      expect(stage(run, 'boot')).toMatchObject({ status: 'error', summary: 'qemu-system-x86_64 is not installed (Debian package: qemu-system-x86)' });
    } finally {
      process.env.PATH = saved;
    }
  }, HOUR);
});
