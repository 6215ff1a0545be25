// The Action as the runner runs it: action.yml's composite steps (see helpers/composite-runner.ts) with real-shaped
// push and pull_request payloads, a shallow checkout of a developer's branch as the workspace, the real 6.1 tree,
// dist/ as committed, and real octokit talking to a GitHub API served on 127.0.0.1 by the test.
import { readValidResults } from '../helpers/results-schema.js';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EXAMPLE_SERIES, FIXTURES, REPO } from '../helpers/fixtures.js';
import { KERNEL_TARBALL, TEST_CACHE, runCli } from '../helpers/kernel.js';
import { FakeGitHub } from '../helpers/github-server.js';
import { runComposite, type CompositeRun } from '../helpers/composite-runner.js';
import { DirectoryCache } from '../helpers/actions-cache.js';
import { COMMENT_MARKER } from '../../src/report/github.js';
import type { Results } from '../../src/results/model.js';

const TEN_MINUTES = 600_000;
const root = mkdtempSync(path.join(os.tmpdir(), 'kpci-composite-'));
const gitEnv = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Dev',
  GIT_AUTHOR_EMAIL: 'dev@example.invalid',
  GIT_COMMITTER_NAME: 'Dev',
  GIT_COMMITTER_EMAIL: 'dev@example.invalid',
};
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, env: gitEnv, encoding: 'utf8' }).trim();
const FILES = ['drivers/md/dm-crypt.c', 'drivers/md/dm-log-writes.c'];
let baseFiles: Record<string, string> = {};
let makefile = '';
let gh: FakeGitHub;
/** What actions/cache keeps between the workflow runs of these tests. */
const actionsCache = new DirectoryCache(path.join(root, 'actions-cache'));
const STAGE_STEPS = [
  'Check',
  'Set',
  'Read',
  'Restore the kernel tree',
  'apply',
  'Save the kernel tree',
  'checkpatch',
  'sparse',
  'Restore the ccache',
  'Restore the base results',
  'build',
  'Save the ccache',
  'Restore the guest',
  'boot',
  'Save the guest',
  'Save the base results',
  'readiness',
  'Report',
];

/**
 * A developer's repository carrying the touched files of the 6.1 tree, with a series on top as commits; the
 * workspace is a depth-1 clone of it, as actions/checkout leaves it. The series' files apply to the real tree.
 */
function developerRepo(
  name: string,
  series: string,
): { workspace: string; base: string; head: string; origin: string } {
  const work = path.join(root, `${name}-work`);
  git(root, 'init', '-q', '-b', 'dev', work);
  for (const f of FILES) {
    mkdirSync(path.dirname(path.join(work, f)), { recursive: true });
    writeFileSync(path.join(work, f), baseFiles[f]!);
  }
  git(work, 'add', '.');
  git(work, 'commit', '-q', '-m', 'base: drivers/md of linux 6.1');
  const base = git(work, 'rev-parse', 'HEAD');
  const patches = execFileSync('ls', [series], { encoding: 'utf8' })
    .split('\n')
    .filter((f) => f.endsWith('.patch'))
    .map((f) => path.join(series, f));
  git(work, 'am', '-q', ...patches);
  const head = git(work, 'rev-parse', 'HEAD');
  const origin = path.join(root, `${name}.git`);
  git(root, 'clone', '-q', '--bare', work, origin);
  git(origin, 'update-ref', 'refs/pull/5/head', head);
  const workspace = path.join(root, name);
  git(root, 'clone', '-q', '--depth', '1', '--branch', 'dev', `file://${origin}`, workspace);
  return { workspace, base, head, origin };
}

function jobEnv(name: string, workspace: string, eventName: string, event: object): Record<string, string> {
  const temp = path.join(root, `${name}-runner-temp`);
  mkdirSync(temp, { recursive: true });
  const eventPath = path.join(temp, 'event.json');
  writeFileSync(eventPath, JSON.stringify(event));
  return {
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    RUNNER_OS: 'Linux',
    RUNNER_ENVIRONMENT: 'self-hosted',
    RUNNER_TEMP: temp,
    GITHUB_WORKSPACE: workspace,
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: 'dev/linux',
    GITHUB_API_URL: gh.url,
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_RUN_ID: '4242',
    KPCI_TEST_GITHUB_TOKEN: 'test-token',
    KPCI_CACHE_DIR: TEST_CACHE,
    HOME: process.env.HOME ?? root,
  };
}

const stepName = (name: string) => STAGE_STEPS.find((p) => name.startsWith(p)) ?? name;
const ranSteps = (run: CompositeRun) => run.steps.map((s) => [stepName(s.name), s.ran, s.code]);
const step = (run: CompositeRun, prefix: string) => run.steps.find((s) => s.name.startsWith(prefix))!;
const results = (run: CompositeRun) => readValidResults<Results>(run.outputs.results!);

beforeAll(async () => {
  // the 6.1 files, from our own checkout of the tarball (imported into the shared test cache once)
  const seed = await runCli(['--tree', KERNEL_TARBALL, '--series', EXAMPLE_SERIES, '--stages', 'apply']);
  const tree = path.join(seed.outDir, 'work', 'linux');
  baseFiles = Object.fromEntries(
    FILES.map((f) => [
      f,
      execFileSync('git', ['show', `${seed.results.tree.baseCommit}:${f}`], {
        cwd: tree,
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      }),
    ]),
  );
  makefile = execFileSync('git', ['show', `${seed.results.tree.baseCommit}:Makefile`], { cwd: tree, encoding: 'utf8' });
  gh = await FakeGitHub.start({ token: 'test-token' });
  gh.route('GET', '/repos/:owner/:repo/commits/:sha/pulls', { body: [] });
}, TEN_MINUTES);

afterAll(async () => {
  await gh?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('the composite action, step by step', () => {
  test(
    'push: the pushed commits vetted from a shallow checkout, every stage a step, a commit comment, outputs',
    async () => {
      const repo = developerRepo('push', EXAMPLE_SERIES);
      const env = jobEnv('push', repo.workspace, 'push', {
        ref: 'refs/heads/dev',
        before: repo.base,
        after: repo.head,
        created: false,
        forced: false,
        deleted: false,
        commits: [{ id: 'x' }, { id: repo.head }],
      });
      const run = await runComposite({
        actionDir: REPO,
        env,
        inputs: { tree: KERNEL_TARBALL, stages: 'checkpatch', 'comment-on-push': 'commit' },
        cache: actionsCache,
      });

      // no build or boot asked for: their cache steps are skipped, the tree's are not
      expect(ranSteps(run)).toEqual([
        ['Check', true, 0],
        ['Set', true, 0],
        ['Read', true, 0],
        ['Restore the kernel tree', true, 0],
        ['apply', true, 0],
        ['Save the kernel tree', true, 0],
        ['checkpatch', true, 0],
        ['sparse', true, 0],
        ['Restore the ccache', false, 0],
        ['Restore the base results', false, 0],
        ['build', true, 0],
        ['Save the ccache', false, 0],
        ['Restore the guest', false, 0],
        ['boot', true, 0],
        ['Save the guest', false, 0],
        ['Save the base results', false, 0],
        ['readiness', true, 0],
        ['Report', true, 0],
      ]);
      expect(step(run, 'Check').log).toMatch(/^runner: Linux, Node \d+/);
      // off GitHub the step leaves /dev/kvm alone, or says there is none (machines differ)
      expect(step(run, 'Set').log).toMatch(
        existsSync('/dev/kvm')
          ? /not a GitHub-hosted runner: \/dev\/kvm permissions left as they are/
          : /no \/dev\/kvm: guests will run under TCG/,
      );
      expect(step(run, 'Read').log).toMatch(/series: 2 commits from the pushed commits [0-9a-f]{12}\.\.[0-9a-f]{12}/);
      expect(step(run, 'checkpatch').log).toMatch(/checkpatch: pass in [\d.]+s — 2 patches: 0 errors, 0 warnings/);
      expect(step(run, 'build').log).toContain('build: not asked for (stages: apply, checkpatch)');

      expect(run.outputs.verdict).toBe('pass');
      expect(results(run).stages.map((s) => [s.name, s.status])).toEqual([
        ['apply', 'pass'],
        ['checkpatch', 'pass'],
      ]);
      expect(results(run).series.map((p) => p.subject)).toEqual([
        expect.stringMatching(/^dm crypt: use kmap_local_page/),
        expect.stringMatching(/^dm log writes: use kmap_local_page/),
      ]);
      expect(run.summary).toMatch(/^## kernel-patch-ci: ✅ PASS/);
      expect(run.summary).toContain('| checkpatch | ✅ pass |');

      expect(gh.calls()).toEqual([
        `GET /repos/dev/linux/commits/${repo.head}/pulls`,
        'POST /graphql',
        `GET /repos/dev/linux/commits/${repo.head}/comments`,
        `POST /repos/dev/linux/commits/${repo.head}/comments`,
      ]);
      const posted = gh.requests.at(-1)!;
      expect(posted.headers.authorization).toBe('token test-token');
      expect(posted.body.body).toContain(COMMENT_MARKER);
      expect(posted.body.body).toContain(
        '[Job summary, annotations and logs of this run](https://github.example/dev/linux/actions/runs/4242)',
      );
      expect(run.outputs['comment-url']).toMatch(/^https?:\/\/\S+/);
      expect(run.commands.filter((c) => c.command === 'error')).toEqual([]);
    },
    TEN_MINUTES,
  );

  test(
    'pull_request with checkpatch errors: annotations at file and line, one sticky comment updated in place, ' +
      'a foreign one left alone, a read-only token degrades',
    async () => {
      gh.requests.length = 0;
      const repo = developerRepo('pr', path.join(FIXTURES, 'series', 'checkpatch-problems'));
      const foreign = gh.seed({
        owner: 'dev',
        repo: 'linux',
        issue: 5,
        login: 'someone-else',
        body: `${COMMENT_MARKER}\nmy own notes`,
      });
      const event = {
        action: 'synchronize',
        number: 5,
        pull_request: { number: 5, base: { sha: repo.base, ref: 'dev' }, head: { sha: repo.head, ref: 'topic' } },
      };
      const env = jobEnv('pr', repo.workspace, 'pull_request', event);
      const inputs = { tree: KERNEL_TARBALL, stages: 'checkpatch' };
      const run = await runComposite({ actionDir: REPO, env, inputs, cache: actionsCache });

      expect(run.failed).toBe(true);
      // its own red step
      expect([step(run, 'checkpatch').code, step(run, 'sparse').code, step(run, 'readiness').code]).toEqual([1, 0, 0]);
      expect(step(run, 'checkpatch').log).toMatch(/^checkpatch: fail — /m);
      expect(run.steps.find((s) => s.id === 'report')!.code).toBe(1);
      expect(run.outputs.verdict).toBe('fail');
      const errors = run.commands.filter((c) => c.command === 'error' && c.props.file);
      expect(errors.map((c) => [c.props.file, c.props.line, c.props.title])).toEqual([
        ['drivers/md/dm-crypt.c', '560', 'checkpatch: TRAILING_WHITESPACE (patch 1)'],
      ]);
      expect(run.commands.filter((c) => c.command === 'warning' && c.props.file).map((c) => c.props.line)).toEqual([
        '560',
        '565',
      ]);
      const failPrefix = 'kernel-patch-ci: fail — checkpatch:';
      expect(run.commands.some((c) => c.command === 'error' && c.message.startsWith(failPrefix))).toBe(true);
      expect(run.summary).toMatch(/^## kernel-patch-ci: ❌ FAIL/);

      const created = gh.comments.filter((c) => c.issue === 5 && c.login === 'github-actions[bot]');
      expect(created).toHaveLength(1);
      expect(run.outputs['comment-url']).toContain(String(created[0]!.id));

      // the next push re-runs the report: the same comment is edited, nothing new is posted
      const again = await runComposite({ actionDir: REPO, env, inputs, only: /^Report/, cache: actionsCache });
      expect(again.outputs.verdict).toBe('fail');
      expect(gh.calls().filter((c) => c.startsWith('POST') && c !== 'POST /graphql')).toEqual([
        'POST /repos/dev/linux/issues/5/comments',
      ]);
      expect(gh.calls().filter((c) => c.startsWith('PATCH'))).toEqual([
        `PATCH /repos/dev/linux/issues/comments/${created[0]!.id}`,
      ]);
      expect(gh.comments.find((c) => c.id === foreign.id)!.body).toBe(`${COMMENT_MARKER}\nmy own notes`);

      // a fork's read-only token: a warning, the summary and the verdict all the same
      gh.script('POST', '/repos/:owner/:repo/issues/:n/comments', {
        status: 403,
        body: { message: 'Resource not accessible by integration' },
      });
      const fork = await runComposite({
        actionDir: REPO,
        env,
        inputs: { ...inputs, comment: 'new' },
        only: /^Report/,
        cache: actionsCache,
      });
      expect(fork.commands.filter((c) => c.command === 'warning' && !c.props.file).map((c) => c.message)).toEqual([
        expect.stringContaining(
          'the token may not comment on dev/linux#5: the workflow needs `permissions: pull-requests: write` ' +
            '— or this is a pull request from a fork',
        ),
      ]);
      expect(fork.summary).toMatch(/^## kernel-patch-ci: ❌ FAIL/);
      expect(fork.outputs.verdict).toBe('fail');
      expect(fork.outputs['comment-url']).toBe('');
    },
    TEN_MINUTES,
  );

  test(
    'caches: the cache steps get the keys a real prepare computed, ' +
      'the second run restores what the first saved, a broken build turns only its step red',
    async () => {
      // a tree of the touched files alone: the tree cache round trip is the point, not a kernel build
      const mini = path.join(root, 'mini');
      for (const [f, text] of Object.entries({
        ...baseFiles,
        Makefile: makefile,
        Kconfig: 'mainmenu "only the files the series touches"\n',
      })) {
        mkdirSync(path.dirname(path.join(mini, 'linux-mini', f)), { recursive: true });
        writeFileSync(path.join(mini, 'linux-mini', f), text);
      }
      const tarball = path.join(root, 'linux-mini.tar.xz');
      execFileSync('tar', ['-cJf', tarball, '-C', mini, 'linux-mini']);
      const repo = developerRepo('caches', EXAMPLE_SERIES);
      const env = {
        ...jobEnv('caches', repo.workspace, 'push', {
          ref: 'refs/heads/dev',
          before: repo.base,
          after: repo.head,
          commits: [{ id: repo.head }],
        }),
        KPCI_CACHE_DIR: path.join(root, 'caches-cache'),
      };
      // configs as the reusable workflow's cell jobs give it: the apply step must not choke on the matrix
      const inputs = { tree: tarball, stages: 'apply,build,boot', configs: 'x86_64-dm, i386-highmem', comment: 'off' };
      const store = new DirectoryCache(path.join(root, 'caches-actions-cache'));

      const first = await runComposite({ actionDir: REPO, env, inputs, cache: store });
      const base12 = results(first).tree.baseCommit!.slice(0, 12);
      const restoreTree = step(first, 'Restore the kernel tree');
      const treeDir = restoreTree.with!.path!;
      expect(treeDir).toMatch(new RegExp(`^${env.KPCI_CACHE_DIR}/tarballs/linux-mini\\.tar\\.xz-[0-9a-f]{16}\\.git$`));
      const treeKey = /^(kpci-tree-linux-[0-9a-f]{16}-)unknown$/.exec(restoreTree.with!.key!);
      expect(restoreTree.with!['restore-keys']).toBe(treeKey![1]);
      expect(restoreTree.log).toContain('Cache not found');
      expect(step(first, 'Save the kernel tree').with).toEqual({ path: treeDir, key: `${treeKey![1]}${base12}` });
      expect(step(first, 'Save the kernel tree').log).toBe(`Cache saved with key: ${treeKey![1]}${base12}`);

      const ccache = step(first, 'Restore the ccache').with!;
      expect(ccache.path).toBe(path.join(env.KPCI_CACHE_DIR, 'ccache'));
      expect(ccache.key).toMatch(new RegExp(`^kpci-ccache-linux-x86_64\\+i386-[0-9a-f]{16}-[0-9a-f]{16}-${base12}$`));
      expect(ccache['restore-keys']!.split('\n')).toEqual([
        ccache.key!.replace(new RegExp(`${base12}$`), ''),
        ccache.key!.replace(/[0-9a-f]{16}-[0-9a-f]{12}$/, ''),
      ]);
      // the base results: restored by base commit, compiler and fragments; nothing was built, so nothing is saved
      const baseCache = step(first, 'Restore the base results').with!;
      expect(baseCache.path).toBe(path.join(env.KPCI_CACHE_DIR, 'base'));
      expect(baseCache.key).toMatch(new RegExp(`^kpci-base-linux-${base12}-[0-9a-f]{16}-[0-9a-f]{16}-none$`));
      expect(baseCache['restore-keys']!.split('\n')[0]).toBe(baseCache.key!.replace(/none$/, ''));
      expect(step(first, 'Save the base results').ran).toBe(false);
      const guest = step(first, 'Restore the guest').with!;
      expect(guest).toMatchObject({
        path: path.join(env.KPCI_CACHE_DIR, 'guest'),
        key: expect.stringMatching(/^kpci-guest-linux-amd64\+i386-[0-9a-f]{16}-none$/),
      });

      // the build fails (no shipped config fits these two files): its step is red, the rest still run, the saves too
      expect(
        ranSteps(first)
          .filter(([, ran]) => ran)
          .map(([n, , code]) => `${n}:${code}`),
      ).toEqual([
        'Check:0',
        'Set:0',
        'Read:0',
        'Restore the kernel tree:0',
        'apply:0',
        'Save the kernel tree:0',
        'checkpatch:0',
        'sparse:0',
        'Restore the ccache:0',
        'Restore the base results:0',
        'build:1',
        'Save the ccache:0',
        'Restore the guest:0',
        'boot:0',
        'Save the guest:0',
        'readiness:0',
        'Report:1',
      ]);
      expect(step(first, 'build').log).toMatch(/^build: error — no shipped config fits this tree/m);
      // nothing was compiled, nothing saved
      expect(step(first, 'Save the ccache').log).toContain('Path Validation Error');
      expect(first.outputs.verdict).toBe('error');

      // a new runner: the cache dir is gone, the tree comes back from the cache and is not imported again
      expect(step(first, 'apply').log).toMatch(
        /tree ready at [0-9a-f]{12} in [\d.]+s \(linux-mini\.tar\.xz imported\)/,
      );
      rmSync(env.KPCI_CACHE_DIR, { recursive: true, force: true });
      const second = await runComposite({ actionDir: REPO, env, inputs, cache: store });
      expect(step(second, 'Restore the kernel tree').log).toBe(`Cache restored from key: ${treeKey![1]}${base12}`);
      expect(step(second, 'apply').log).toMatch(
        /tree ready at [0-9a-f]{12} in [\d.]+s \(linux-mini\.tar\.xz imported earlier, from the cache\)/,
      );
      expect(step(second, 'Save the kernel tree').ran).toBe(false); // what was restored is what it would save
      expect(results(second).tree.baseCommit!.slice(0, 12)).toBe(base12);
      expect(second.steps.filter((s) => s.uses).map((s) => s.uses)).toEqual([
        'actions/cache/restore@v5',
        'actions/cache/restore@v5',
        'actions/cache/restore@v5', // the base results
        'actions/cache/save@v5',
        'actions/cache/restore@v5',
        'actions/cache/save@v5',
      ]);
    },
    TEN_MINUTES,
  );

  test(
    'a bad input: one line, results.json with verdict error, a summary, no stage runs and no comment',
    async () => {
      gh.requests.length = 0;
      const workspace = path.join(root, 'bad');
      mkdirSync(workspace);
      const env = jobEnv('bad', workspace, 'push', { before: '0'.repeat(40), after: 'a'.repeat(40) });
      const run = await runComposite({
        actionDir: REPO,
        env,
        inputs: { series: 'patches/*.patch', 'fail-on': 'sometimes' },
        cache: actionsCache,
      });
      expect(run.outputs.verdict).toBe('error');
      expect(results(run)).toMatchObject({
        verdict: 'error',
        reason: 'input series: nothing matches "patches/*.patch" in ' + workspace,
      });
      expect(step(run, 'checkpatch').log).toContain(
        'checkpatch: not run, the run stopped earlier: input series: nothing matches',
      );
      expect(step(run, 'Restore the kernel tree').ran).toBe(false); // no key: nothing to restore or save
      expect(step(run, 'Save the kernel tree').ran).toBe(false);
      expect(run.summary).toMatch(/^## kernel-patch-ci: 💥 ERROR/);
      expect(run.steps.map((s) => s.log).join('\n')).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // no stack trace
      expect(gh.calls().filter((c) => !c.startsWith('GET '))).toEqual([]); // a push no PR heads, comment-on-push off
      expect(existsSync(path.join(env.RUNNER_TEMP!, 'kernel-patch-ci', 'action', 'state.json'))).toBe(true);
      expect(
        readFileSync(path.join(env.RUNNER_TEMP!, 'kernel-patch-ci', 'action', 'state.json'), 'utf8'),
      ).not.toContain('test-token');
    },
    TEN_MINUTES,
  );
});
