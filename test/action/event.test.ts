// The series of a push or a pull request, from real git repositories: an "upstream" with the tree's branch and a
// developer's branch, and a shallow clone of it as actions/checkout leaves the workspace.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seriesFromEvent } from '../../src/action/event.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'kpci-event-'));
const upstream = path.join(root, 'up.git');
const env = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Dev',
  GIT_AUTHOR_EMAIL: 'dev@example.invalid',
  GIT_COMMITTER_NAME: 'Dev',
  GIT_COMMITTER_EMAIL: 'dev@example.invalid',
};
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim();
const sha: Record<string, string> = {};

function commit(dir: string, file: string, text: string, subject: string): string {
  writeFileSync(path.join(dir, file), text);
  git(dir, 'add', file);
  git(dir, 'commit', '-q', '-m', subject, '-m', 'Why this change.\n\nSigned-off-by: Dev <dev@example.invalid>');
  return git(dir, 'rev-parse', 'HEAD');
}

/** A fresh shallow clone of the developer's branch, as actions/checkout (fetch-depth 1) leaves it. */
function workspace(name: string, branch = 'dev'): string {
  const dir = path.join(root, name);
  git(root, 'clone', '-q', '--depth', '1', '--branch', branch, `file://${upstream}`, dir);
  return dir;
}

const outDir = (name: string) => path.join(root, `out-${name}`);
const subjects = (dir: string) =>
  readdirSync(dir)
    .sort()
    .map((f) => /^Subject: (.*)$/m.exec(readFileSync(path.join(dir, f), 'utf8'))![1]);

beforeAll(() => {
  const work = path.join(root, 'work');
  git(root, 'init', '-q', '-b', 'for-next', work);
  sha.b0 = commit(work, 'dm-crypt.c', 'int a;\n', 'dm: base');
  sha.b1 = commit(work, 'dm-crypt.c', 'int a;\nint b;\n', 'dm: more base');
  git(work, 'checkout', '-q', '-b', 'dev');
  sha.c1 = commit(work, 'dm-crypt.c', 'int a;\nint b;\nint c;\n', 'dm crypt: first change');
  sha.c2 = commit(work, 'dm-log-writes.c', 'int d;\n', 'dm log writes: second change');
  git(work, 'checkout', '-q', 'for-next');
  sha.b2 = commit(work, 'dm-delay.c', 'int e;\n', 'dm delay: the tree moved on');
  git(root, 'clone', '-q', '--bare', work, upstream);
  git(upstream, 'update-ref', 'refs/pull/7/head', sha.c2!);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('seriesFromEvent', () => {
  test('push: the pushed commits before..after, fetched into a shallow checkout', async () => {
    const ws = workspace('push');
    expect(git(ws, 'rev-parse', '--is-shallow-repository')).toBe('true');
    const s = await seriesFromEvent({
      eventName: 'push',
      event: { before: sha.c1, after: sha.c2, commits: [{}] },
      workspace: ws,
      outDir: outDir('push'),
      tree: `file://${upstream}`,
      treeRef: 'for-next',
    });
    expect({ base: s.base, count: s.count }).toEqual({ base: sha.c1, count: 1 });
    expect(subjects(s.dir)).toEqual(['[PATCH] dm log writes: second change']);
  });

  test("the first push of a branch: from where it leaves the tree's ref", async () => {
    const ws = workspace('created');
    const s = await seriesFromEvent({
      eventName: 'push',
      event: { created: true, before: '0'.repeat(40), after: sha.c2 },
      workspace: ws,
      outDir: outDir('created'),
      tree: `file://${upstream}`,
      treeRef: 'for-next',
    });
    expect(s.base).toBe(sha.b1);
    expect(s.how).toMatch(/^a new branch: from where it leaves for-next/);
    expect(subjects(s.dir)).toEqual(['[PATCH 1/2] dm crypt: first change', '[PATCH 2/2] dm log writes: second change']);
  });

  test("a force push (before is no longer an ancestor): from where it leaves the tree's ref", async () => {
    const ws = workspace('forced');
    const s = await seriesFromEvent({
      eventName: 'push',
      event: { forced: true, before: 'f'.repeat(40), after: sha.c2 },
      workspace: ws,
      outDir: outDir('forced'),
      tree: `file://${upstream}`,
      treeRef: 'for-next',
    });
    expect({ base: s.base, count: s.count }).toEqual({ base: sha.b1, count: 2 });
    expect(s.how).toMatch(/^a force push/);
  });

  test(
    'pull_request: merge-base(base, head)..head although the base branch moved on; ' + 'the head from refs/pull/N/head',
    async () => {
      const ws = workspace('pr', 'for-next');
      const s = await seriesFromEvent({
        eventName: 'pull_request',
        event: { pull_request: { number: 7, base: { sha: sha.b2 }, head: { sha: sha.c2 } } },
        workspace: ws,
        outDir: outDir('pr'),
        tree: 'unused',
      });
      expect({ base: s.base, count: s.count }).toEqual({ base: sha.b1, count: 2 });
      expect(subjects(s.dir)).toHaveLength(2);
    },
  );

  test('events without a series are one-line input errors', async () => {
    const ws = workspace('errors');
    const call = (eventName: string, event: Record<string, unknown>) =>
      seriesFromEvent({
        eventName,
        event,
        workspace: ws,
        outDir: outDir('errors'),
        tree: `file://${upstream}`,
        treeRef: 'for-next',
      });
    await expect(call('push', { deleted: true, before: sha.c2, after: '0'.repeat(40) })).rejects.toThrow(
      /^this push deleted the branch: there is no series to vet$/,
    );
    await expect(call('workflow_dispatch', {})).rejects.toThrow(
      /^the workflow_dispatch event carries no series: set the series input$/,
    );
    await expect(call('push', { before: sha.c2, after: sha.c2 })).rejects.toThrow(/^no commits to vet in /);
    await expect(
      seriesFromEvent({
        eventName: 'push',
        event: { created: true, before: '0'.repeat(40), after: sha.c2 },
        workspace: ws,
        outDir: outDir('errors'),
        tree: path.join(root, 'no-such-tree'),
        treeRef: 'for-next',
      }),
    ).rejects.toThrow(/^cannot fetch for-next from /);
    await expect(
      seriesFromEvent({ eventName: 'push', event: {}, workspace: root, outDir: outDir('errors'), tree: 'x' }),
    ).rejects.toThrow(/is not a git checkout/);
  });
});
