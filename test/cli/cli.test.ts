// The real binary (dist/cli.js) on bad input: exit 2, exactly one line on stderr, no stack trace, results.json written.
import { readValidResults } from '../helpers/results-schema.js';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO } from '../helpers/fixtures.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'kpci-cli-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function cli(args: string[]) {
  const out = path.join(tmp, `out-${Math.random().toString(36).slice(2)}`);
  const run = spawnSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), ...args, '--out', out], {
    encoding: 'utf8',
    cwd: tmp,
    env: { ...process.env, KPCI_CACHE_DIR: path.join(tmp, 'cache') },
  });
  const resultsFile = path.join(out, 'results.json');
  const results = existsSync(resultsFile) ? readValidResults<any>(resultsFile) : undefined;
  const errorLines = run.stderr.split('\n').filter((l) => l.startsWith('kernel-patch-ci:'));
  return { code: run.status, stderr: run.stderr, errorLines, results, report: existsSync(path.join(out, 'report.md')) };
}

function expectCleanError(r: ReturnType<typeof cli>, reason: RegExp | string) {
  expect(r.code).toBe(2);
  expect(r.errorLines).toHaveLength(1);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.results?.verdict).toBe('error');
  expect(r.results?.reason).toEqual(typeof reason === 'string' ? reason : expect.stringMatching(reason));
  expect(r.errorLines[0]).toBe(`kernel-patch-ci: ${r.results.reason}`);
  expect(r.report).toBe(true);
}

describe('help, as kernel tools give it', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), ...args], { encoding: 'utf8', cwd: tmp });
  test('run --help: a line per option, the exit codes and the environment, on stdout, exit 0', () => {
    const help = run('run', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: kernel-patch-ci run \[OPTIONS\] \[PATCH…\]/);
    for (const option of [
      '--series',
      '--tree',
      '--ref',
      '--stages',
      '--configs',
      '--out',
      '--format',
      '--fail-on',
      '--ccache-size',
      '--send-to-self',
    ])
      expect(help.stdout).toMatch(new RegExp(`^\\s+(-\\w, )?${option}\\b.*\\S\\s{2,}\\w`, 'm'));
    expect(help.stdout).toMatch(/^\s+-j, --jobs N\s+make -j/m);
    expect(help.stdout).toMatch(
      /^exit codes:\n\s+0\s+the series passed\n\s+1\s+.*fail\n\s+2\s+the run could not be done/m,
    );
    expect(help.stdout).toMatch(/^environment:\n(\s+[A-Z_]+\s+.+\n)*\s+KPCI_CACHE_DIR\s+the default of --cache-dir/m);
    expect(run('help', 'run').stdout).toBe(help.stdout);
  });
  test('--help lists the commands; no command is a usage error on stderr', () => {
    expect(run('--help').stdout).toMatch(/^\s+doctor\s+say which tools/m);
    const none = run();
    expect([none.status, none.stdout]).toEqual([2, '']);
    expect(none.stderr).toMatch(/^usage: kernel-patch-ci <command>/);
  });
});

describe('doctor', () => {
  test('this machine: every stage can run, each tool with its version, the accelerator QEMU will use and why', () => {
    const r = spawnSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), 'doctor'], {
      encoding: 'utf8',
      cwd: tmp,
      env: { ...process.env, KPCI_ACCEL: '' },
    });
    expect(r.status).toBe(0);
    const rows = r.stdout.split('\n');
    expect(rows[0]).toMatch(/^stage\s+tool\s+status\s+version \/ detail$/);
    expect(rows).toContainEqual(expect.stringMatching(/^host\s+node\s+ok\s+v\d+\./));
    expect(rows).toContainEqual(expect.stringMatching(/^sparse\s+sparse\s+ok\s+\d+\.\d+/));
    expect(rows).toContainEqual(expect.stringMatching(/^build\s+compiler for ARCH=i386\s+ok\s+the host gcc$/));
    expect(rows).toContainEqual(expect.stringMatching(/^boot\s+qemu-system-i386\s+ok\s+QEMU emulator version/));
    // where /dev/kvm refuses the run's QEMU command line (this project's machines) the probe says TCG and why
    for (const arch of ['x86_64', 'i386'])
      expect(rows).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^boot\\s+accelerator \\(${arch}\\)\\s+(KVM: a probe guest ran under KVM|TCG: ` +
              `(no usable /dev/kvm|/dev/kvm is there but a probe guest did not start under it \\(.+\\)))`,
          ),
        ),
      );
    expect(rows.at(-2)).toBe('every asked stage can run here');
    expect(rows.findIndex((l) => l.startsWith('readiness'))).toBeGreaterThan(
      rows.findIndex((l) => l.startsWith('boot')),
    );
  });
  test('a bad option is one line and exit 2', () => {
    const r = spawnSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), 'doctor', '--stages', 'lint'], {
      encoding: 'utf8',
      cwd: tmp,
    });
    expect([r.status, r.stderr.trim()]).toEqual([2, expect.stringMatching(/^kernel-patch-ci: unknown stage "lint"/)]);
  });
});

describe('kernel-patch-ci run on bad input', () => {
  const tree = '/usr/src/linux-source-6.1.tar.xz';

  test('a series path that does not exist', () => {
    expectCleanError(
      cli(['run', '--tree', tree, '--series', 'missing.patch']),
      `series ${path.join(tmp, 'missing.patch')} does not exist`,
    );
  });

  test('an empty file, an empty directory, random bytes', async () => {
    await writeFile(path.join(tmp, 'empty.patch'), '');
    await mkdir(path.join(tmp, 'nothing'));
    await writeFile(
      path.join(tmp, 'noise.patch'),
      Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 131 + 7) % 256)),
    );
    expectCleanError(cli(['run', '--tree', tree, '--series', 'empty.patch']), /empty\.patch is empty$/);
    expectCleanError(
      cli(['run', '--tree', tree, '--series', 'nothing']),
      /contains no \.patch, \.diff or \.mbox files$/,
    );
    expectCleanError(
      cli(['run', '--tree', tree, '--series', 'noise.patch']),
      /noise\.patch is not a patch \(binary data\)$/,
    );
  });

  test('a binary patch cannot be mailed to a kernel list', async () => {
    await writeFile(
      path.join(tmp, 'logo.patch'),
      [
        'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001',
        'From: A <a@example.invalid>',
        'Subject: [PATCH] add logo',
        '',
        'Signed-off-by: A <a@example.invalid>',
        '---',
        'diff --git a/Documentation/logo.gif b/Documentation/logo.gif',
        'index 1111111..2222222 100644',
        'GIT binary patch',
        'literal 4',
        'LcmZ?wbhEHbF7|Hi',
        '',
        'literal 4',
        'LcmZ?wbhEHbF7|Hi',
        '',
        '',
      ].join('\n'),
    );
    expectCleanError(
      cli(['run', '--tree', tree, '--series', 'logo.patch']),
      'patch 1 (add logo) has a binary diff for Documentation/logo.gif: kernel patches must be text that can be mailed',
    );
  });

  test('a tree that does not exist, or is not a kernel tree', () => {
    expectCleanError(
      cli(['run', '--tree', path.join(tmp, 'no-linux'), '--series', 'x.patch']),
      /^tree .*no-linux does not exist/,
    );
    expectCleanError(
      cli(['run', '--tree', tmp, '--series', 'x.patch']),
      /is not a kernel source tree \(no top-level Makefile and Kconfig\)$/,
    );
  });

  test('bad usage still leaves a results.json when --out is known', () => {
    expectCleanError(cli(['run', '--series', 'x.patch', '--stages', 'apply,nonsense']), /^unknown stage "nonsense"/);
    expectCleanError(cli(['run', '--series', 'x.patch', '--bogus']), /^Unknown option '--bogus'/);
    expectCleanError(
      cli(['run', '--series', 'x.patch', '--previous', 'no-such-dir']),
      '--previous no-such-dir: no such out dir or patch file, and not a BASE..HEAD range',
    );
    expectCleanError(cli(['run', '--series', 'x.patch', '--previous', ' ']), '--previous is empty');
  });

  test('an unknown command prints usage and exits 2; --version prints the version', () => {
    const bad = spawnSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), 'frobnicate'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.split('\n')[0]).toBe(
      'kernel-patch-ci: unknown command "frobnicate" (commands: run, doctor, version, help)',
    );
    const version = spawnSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), '--version'], { encoding: 'utf8' });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
