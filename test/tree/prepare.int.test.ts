// --tree as a local checkout (read, never written) and as a URL (shallow fetch, retries), on real git.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { EXAMPLE_SERIES, FIXTURES } from '../helpers/fixtures.js';
import { KERNEL_TARBALL, TEST_CACHE, newOutDir, removeOutDirs, runCli, stage } from '../helpers/kernel.js';
import { importTarball } from '../../src/tree/import.js';

const TEN_MINUTES = 600_000;
const gitEnv = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'U',
  GIT_AUTHOR_EMAIL: 'u@example.invalid',
  GIT_COMMITTER_NAME: 'U',
  GIT_COMMITTER_EMAIL: 'u@example.invalid',
};
// gc.auto=0: the test's own commands must not start a background gc that changes .git while we compare it
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'gc.auto=0', ...args], { cwd, env: gitEnv, encoding: 'utf8' });

let tmp: string;
let imported: { gitDir: string; commit: string };

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'kpci-tree-'));
  imported = await importTarball(KERNEL_TARBALL, TEST_CACHE);
}, TEN_MINUTES);
afterAll(async () => {
  await removeOutDirs();
  await rm(tmp, { recursive: true, force: true });
}, TEN_MINUTES);

/** Everything about a repository a run could have changed. */
function snapshot(dir: string) {
  return {
    head: git(dir, 'rev-parse', 'HEAD'),
    refs: git(dir, 'for-each-ref'),
    status: git(dir, 'status', '--porcelain', '--ignored'),
    worktrees: git(dir, 'worktree', 'list', '--porcelain'),
    gitDirEntries: readdirSync(path.join(dir, '.git')).sort(),
  };
}

describe('a local kernel checkout', () => {
  test(
    'BASE..HEAD of the user branch is vetted in our own checkout; the user tree is not modified',
    async () => {
      const user = path.join(tmp, 'linux');
      git(tmp, 'clone', '--quiet', imported.gitDir, user);
      git(user, 'checkout', '--quiet', '-b', 'kmap-local', imported.commit);
      git(
        user,
        'am',
        '--quiet',
        ...readdirSync(EXAMPLE_SERIES)
          .sort()
          .map((n) => path.join(EXAMPLE_SERIES, n)),
      );
      const before = snapshot(user);

      const run = await runCli([
        '--tree',
        user,
        '--series',
        `${imported.commit.slice(0, 12)}..kmap-local`,
        '--stages',
        'checkpatch',
      ]);
      expect(run.code).toBe(0);
      expect(run.results.tree).toEqual({
        source: user,
        ref: imported.commit,
        baseCommit: imported.commit,
        baseFrom: 'the base of the commit range',
      });
      expect(run.results.series.map((p) => p.files)).toEqual([
        ['drivers/md/dm-crypt.c'],
        ['drivers/md/dm-log-writes.c'],
      ]);
      expect(stage(run, 'checkpatch')!.status).toBe('pass');
      expect(snapshot(user)).toEqual(before);

      // shell metacharacters in a ref are a clear error, not a command
      const evil = await runCli([
        '--tree',
        user,
        '--ref',
        'kmap-local;touch pwned',
        '--series',
        path.join(FIXTURES, 'series', 'sparse-new-warning'),
      ]);
      expect(evil.code).toBe(2);
      expect(evil.results.reason).toBe('--ref "kmap-local;touch pwned" is not a valid git ref name');
      expect(existsSync(path.join(process.cwd(), 'pwned'))).toBe(false);
      expect(existsSync(path.join(user, 'pwned'))).toBe(false);
      expect(snapshot(user)).toEqual(before);
    },
    TEN_MINUTES,
  );
});

describe('a git URL', () => {
  test(
    'a small tree served over file:// is fetched shallowly at the asked ref and the series applied',
    async () => {
      const origin = path.join(tmp, 'origin');
      await mkdir(path.join(origin, 'drivers', 'md'), { recursive: true });
      for (const file of ['Makefile', 'Kconfig', 'drivers/md/dm-crypt.c']) {
        await writeFile(
          path.join(origin, file),
          execFileSync('git', ['--git-dir', imported.gitDir, 'show', `${imported.commit}:${file}`]),
        );
      }
      git(tmp, 'init', '--quiet', '-b', 'master', origin);
      git(origin, 'add', '-A');
      git(origin, 'commit', '--quiet', '-m', 'first');
      git(origin, 'commit', '--quiet', '--allow-empty', '-m', 'second');
      git(origin, 'branch', 'for-next');
      const tip = git(origin, 'rev-parse', 'for-next').trim();

      const url = `file://${origin}`;
      const run = await runCli([
        '--tree',
        url,
        '--series',
        path.join(
          FIXTURES,
          'series',
          'patch2-does-not-apply',
          '0001-dm-crypt-add-a-blank-line-after-the-message-prefix.patch',
        ),
        '--stages',
        'apply',
      ]);
      expect(run.code).toBe(0);
      expect(run.results.tree).toEqual({
        source: url,
        ref: 'for-next',
        baseCommit: tip,
        baseFrom: 'the default branch for-next',
      });
      const checkout = path.join(run.outDir, 'work', 'linux');
      expect(git(checkout, 'log', '--format=%s').trim().split('\n')).toEqual([
        'dm crypt: add a blank line after the message prefix',
        'second',
      ]);
    },
    TEN_MINUTES,
  );

  test(
    'a plain source directory (no .git) is imported without writing into it',
    async () => {
      const plain = path.join(tmp, 'plain-linux');
      await mkdir(path.join(plain, 'drivers', 'md'), { recursive: true });
      for (const file of ['Makefile', 'Kconfig', 'drivers/md/dm-crypt.c']) {
        await writeFile(
          path.join(plain, file),
          execFileSync('git', ['--git-dir', imported.gitDir, 'show', `${imported.commit}:${file}`]),
        );
      }
      const listing = () => execFileSync('find', [plain, '-printf', '%P %s %T@\\n'], { encoding: 'utf8' });
      const before = listing();
      const patch = path.join(
        FIXTURES,
        'series',
        'patch2-does-not-apply',
        '0001-dm-crypt-add-a-blank-line-after-the-message-prefix.patch',
      );
      const run = await runCli(['--tree', plain, '--series', patch, '--stages', 'apply'], await newOutDir());
      expect(run.code).toBe(0);
      expect(run.results.tree).toEqual({
        source: plain,
        baseCommit: expect.stringMatching(/^[0-9a-f]{40}$/),
        baseFrom: 'the directory',
      });
      expect(listing()).toBe(before);
    },
    TEN_MINUTES,
  );

  test(
    'an unreachable URL is retried with backoff, then exit 2 with one line',
    async () => {
      let requests = 0;
      const server: Server = createServer((_req, res) => {
        requests++;
        res.writeHead(502).end('bad gateway');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/linux-dm.git`;
      try {
        const run = await runCli(
          ['--tree', url, '--series', path.join(FIXTURES, 'series', 'sparse-new-warning')],
          await newOutDir(),
        );
        expect(run.code).toBe(2);
        expect(run.results.verdict).toBe('error');
        expect(run.results.reason).toMatch(new RegExp(`^cannot fetch for-next from ${url}: .*502`));
        expect(run.results.series).toHaveLength(1);
        expect(run.stderr.filter((l) => l.startsWith('kernel-patch-ci:'))).toEqual([
          `kernel-patch-ci: ${run.results.reason}`,
        ]);
        expect(requests).toBe(3);
        expect(await readdir(path.join(run.outDir, 'work'))).not.toContain('linux');
      } finally {
        server.close();
      }
    },
    TEN_MINUTES,
  );
});
