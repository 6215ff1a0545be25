// The CLI at a kernel developer's terminal, on the real 6.1 tree: findings on stdout as gcc prints them (an editor
// jumps to each), patch files as plain arguments, and the kernel checkout you stand in taken as the tree.
import { readValidResults } from '../helpers/results-schema.js';
import { afterAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Results } from '../../src/results/model.js';
import os from 'node:os';
import path from 'node:path';
import { FIXTURES, REPO } from '../helpers/fixtures.js';
import { pathWithout, smallKernelCheckout } from '../helpers/host.js';
import { KERNEL_TARBALL, TEST_CACHE, tarballOutPath } from '../helpers/kernel.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kpci-terminal-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const TEN_MINUTES = 600_000;
const TARBALL_OUT = tarballOutPath(KERNEL_TARBALL);

/** The tarball's runs share the tests' out dir for it (its checkout is reused); any other tree gets a new one. */
function cli(args: string[], cwd = tmp, env: NodeJS.ProcessEnv = process.env) {
  const onTarball = args[args.indexOf('--tree') + 1] === KERNEL_TARBALL;
  const out = onTarball ? TARBALL_OUT : mkdtempSync(path.join(tmp, 'out-'));
  const r = spawnSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), 'run', ...args, '--out', out], {
    cwd,
    encoding: 'utf8',
    env: { ...env, KPCI_CACHE_DIR: TEST_CACHE },
    maxBuffer: 1 << 26,
  });
  return {
    code: r.status,
    stdout: r.stdout.split('\n').filter(Boolean),
    stderr: r.stderr,
    results: readValidResults<Results>(path.join(out, 'results.json')),
  };
}

describe('the terminal', () => {
  test(
    'checkpatch findings print as file:line: lines, the patches given as plain arguments; ' +
      '--format json prints results.json',
    () => {
      const dir = path.join(FIXTURES, 'series', 'checkpatch-problems');
      const patches = readdirSync(dir)
        .filter((f) => f.endsWith('.patch'))
        .map((f) => path.join(dir, f));
      const r = cli(['--tree', KERNEL_TARBALL, '--stages', 'checkpatch', ...patches]);
      expect(r.code).toBe(1);
      const findings = r.stdout.filter((l) => /^[\w/.-]+:\d+: /.test(l));
      expect(findings).toEqual([
        'drivers/md/dm-crypt.c:560: error: checkpatch/TRAILING_WHITESPACE: trailing whitespace (patch 1)',
        expect.stringMatching(/^drivers\/md\/dm-crypt\.c:560: warning: checkpatch\/[A-Z_]+: .+ \(patch 1\)$/),
        expect.stringMatching(/^drivers\/md\/dm-crypt\.c:565: warning: checkpatch\/[A-Z_]+: .+ \(patch 1\)$/),
      ]);
      expect(r.stdout.at(-3)).toMatch(/^verdict: fail/);
      const json = cli(['--tree', KERNEL_TARBALL, '--stages', 'checkpatch', '--format', 'json', ...patches]);
      expect(JSON.parse(json.stdout.join('\n'))).toMatchObject({
        verdict: 'fail',
        stages: [{ name: 'apply' }, { name: 'checkpatch', status: 'fail' }],
      });
    },
    TEN_MINUTES,
  );

  test(
    'a series made with format-patch --base applies at its base-commit, not at HEAD; ' +
      'an unknown base-commit is one clear line',
    () => {
      const checkout = path.join(tmp, 'linux-based');
      const git = smallKernelCheckout(checkout, KERNEL_TARBALL);
      const base = git('rev-parse', 'HEAD');
      // a later commit rewrites the lines the series changes: at HEAD the series no longer applies
      const crypt = path.join(checkout, 'drivers', 'md', 'dm-crypt.c');
      writeFileSync(crypt, readFileSync(crypt, 'utf8').replace(/kmap_atomic\(/g, 'kmap_atomic_moved('));
      git('commit', '-q', '-a', '-m', 'later');
      const series = path.join(tmp, 'based-series');
      mkdirSync(series);
      for (const f of readdirSync(path.join(REPO, 'examples', 'dm-kmap-local'))) {
        const text = readFileSync(path.join(REPO, 'examples', 'dm-kmap-local', f), 'utf8');
        writeFileSync(
          path.join(series, f),
          f.startsWith('0001') ? text.replace(/\n-- \n(?![\s\S]*\n-- \n)/, `\nbase-commit: ${base}\n-- \n`) : text,
        );
      }
      const atHead = cli(['--tree', checkout, '--stages', 'apply', path.join(REPO, 'examples', 'dm-kmap-local')]);
      expect(atHead.results.stages[0]!.status).toBe('fail');
      const r = cli(['--tree', checkout, '--stages', 'apply', series]);
      expect(r.results.tree).toMatchObject({ baseCommit: base, baseFrom: "the series' base-commit:" });
      expect(r.results.stages[0]).toMatchObject({ name: 'apply', status: 'pass' });
      expect(r.code).toBe(0);

      const unknown = 'f'.repeat(40);
      for (const f of readdirSync(series))
        writeFileSync(path.join(series, f), readFileSync(path.join(series, f), 'utf8').replace(base, unknown));
      const missing = cli(['--tree', checkout, '--stages', 'apply', series]);
      expect(missing.code).toBe(2);
      expect(missing.results.reason).toMatch(
        new RegExp(
          `^the series' base-commit ${unknown} is not in ${checkout} \\(.*\\): fetch it there, or give --ref$`,
        ),
      );
      expect(missing.stderr).not.toMatch(/^\s+at /m);
    },
    TEN_MINUTES,
  );

  test(
    'inside a kernel checkout with no --tree, that checkout is the tree (said on stderr), and it is left as it was',
    () => {
      const checkout = path.join(tmp, 'linux');
      const git = smallKernelCheckout(checkout, KERNEL_TARBALL);
      const head = git('rev-parse', 'HEAD');
      writeFileSync(path.join(checkout, 'untracked-note.txt'), 'mine\n');
      const r = cli(
        ['--stages', 'apply', path.join(REPO, 'examples', 'dm-kmap-local')],
        path.join(checkout, 'drivers', 'md'),
      );
      expect(r.stderr).toContain(
        `kernel-patch-ci: no --tree given: using the kernel checkout ${checkout} (it is not modified)`,
      );
      expect(r.stdout[0]).toBe('verdict: pass');
      expect([git('rev-parse', 'HEAD'), git('status', '--porcelain')]).toEqual([head, '?? untracked-note.txt']);
    },
    TEN_MINUTES,
  );

  test(
    'no QEMU: the run says so before it builds anything, exit 2, the build not run',
    () => {
      const bin = pathWithout('qemu-system-');
      const r = cli(
        [
          '--tree',
          KERNEL_TARBALL,
          '--stages',
          'build,boot',
          '--configs',
          'i386-highmem',
          path.join(REPO, 'examples', 'dm-kmap-local'),
        ],
        tmp,
        { ...process.env, PATH: bin },
      );
      expect(r.code).toBe(2);
      expect(r.results.stages.map((s) => [s.name, s.status, s.summary])).toEqual([
        ['apply', 'pass', expect.stringMatching(/^2 patches applied/)],
        [
          'build',
          'skip',
          'not run: boot cannot run here (qemu-system-i386 is not installed (Debian package: qemu-system-x86))',
        ],
        ['boot', 'error', 'qemu-system-i386 is not installed (Debian package: qemu-system-x86)'],
      ]);
      expect(r.stderr).not.toMatch(/base build/);
    },
    TEN_MINUTES,
  );
});
