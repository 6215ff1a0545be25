import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import {
  COMMENT_MARKER,
  GITHUB_COMMENT_LIMIT,
  commentBody,
  commentMarker,
  createOctokit,
  publishComment,
  readVersionData,
  selectAnnotations,
  type CommentTarget,
} from '../../src/report/github.js';
import { RunError } from '../../src/errors.js';
import type { Finding, Results, StageName, StageResult } from '../../src/results/model.js';
import { FakeGitHub } from '../helpers/github-server.js';
import { sinceEarlierComment } from '../../src/action/publish.js';

const TOKEN = 'ghs_fake0123456789';
const PR: CommentTarget = { owner: 'octo', repo: 'linux', issueNumber: 7 };

const results = (stages: StageResult[] = []): Results => ({
  schemaVersion: 1,
  tool: { name: 'kernel-patch-ci', version: '0.1.0' },
  verdict: 'fail',
  reason: 'checkpatch: 1 error',
  tree: { source: 'https://git.kernel.org/pub/scm/linux/kernel/git/device-mapper/linux-dm.git', ref: 'for-next' },
  series: [{ index: 1, subject: 'dm crypt: fix lmk', author: 'A <a@b>', files: ['drivers/md/dm-crypt.c'] }],
  stages,
});
const stage = (name: StageName, findings: Finding[]): StageResult => ({
  name,
  status: 'fail',
  durationMs: 1,
  summary: `${findings.length} findings`,
  findings,
});
const finding = (over: Partial<Finding> = {}): Finding => ({
  tool: 'checkpatch',
  severity: 'error',
  type: 'TRAILING_WHITESPACE',
  message: 'trailing whitespace',
  file: 'drivers/md/dm-crypt.c',
  line: 1,
  patch: 1,
  new: true,
  ...over,
});

describe('publishComment against a fake GitHub', () => {
  let gh: FakeGitHub;
  const octokit = (opts: { throttle?: boolean } = {}) =>
    createOctokit(TOKEN, { baseUrl: gh.url, retryAfterMs: 1, throttle: false, ...opts });
  beforeEach(async () => {
    gh = await FakeGitHub.start({ token: TOKEN });
  });
  afterEach(async () => {
    await gh.close();
  });

  test('sticky: the first run creates one comment, the second updates that same comment in place', async () => {
    const ok = octokit({ throttle: true }); // the production configuration, throttling included
    const first = await publishComment(ok, { mode: 'sticky', target: PR, body: `${COMMENT_MARKER}\nrun 1` });
    expect(first).toEqual({ action: 'created', url: 'https://github.com/octo/linux/issues/7#issuecomment-1000' });
    expect(gh.calls()).toEqual([
      'POST /graphql', // viewer { login }: the workflow token's own login
      'GET /repos/octo/linux/issues/7/comments',
      'POST /repos/octo/linux/issues/7/comments',
    ]);
    expect(gh.requests[1]!.query.get('per_page')).toBe('100');
    expect(gh.requests[2]!.body).toEqual({ body: `${COMMENT_MARKER}\nrun 1` });
    for (const r of gh.requests) expect(r.headers.authorization).toBe(`token ${TOKEN}`);

    gh.requests.length = 0;
    const second = await publishComment(ok, { mode: 'sticky', target: PR, body: `${COMMENT_MARKER}\nrun 2` });
    expect(second).toEqual({ action: 'updated', url: first.url });
    expect(gh.calls()).toEqual([
      'POST /graphql',
      'GET /repos/octo/linux/issues/7/comments',
      'PATCH /repos/octo/linux/issues/comments/1000',
    ]);
    expect(gh.requests[2]!.body).toEqual({ body: `${COMMENT_MARKER}\nrun 2` });
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0]!.body).toBe(`${COMMENT_MARKER}\nrun 2`);
  });

  test("sticky: push 2's comment says what push 2 fixed of push 1's findings, from their hidden data", async () => {
    const ok = octokit();
    const v1 = results([stage('apply', []), stage('checkpatch', [finding({ line: 9 })])]);
    const v2: Results = { ...results([stage('apply', []), { ...stage('checkpatch', []), status: 'pass' }]) };
    const publish = (r: Results) =>
      publishComment(ok, {
        mode: 'sticky',
        target: PR,
        body: commentBody(r),
        bodyAfter: (earlier) => commentBody(sinceEarlierComment(r, earlier)),
      });
    await publish(v1);
    expect(gh.comments[0]!.body).not.toContain('Since the previous version');
    await publish(v2);
    const patched = gh.requests.at(-1)!;
    expect(`${patched.method} ${patched.path}`).toBe('PATCH /repos/octo/linux/issues/comments/1000');
    const body = (patched.body as { body: string }).body;
    expect(body).toContain("### Since the previous version\n\nAgainst this pull request's previous run: **1 fixed**");
    expect(body).toContain('- fixed: checkpatch `TRAILING_WHITESPACE` drivers/md/dm-crypt.c:9: trailing whitespace');
    // and push 2's own data replaces push 1's, for push 3
    expect(readVersionData(body)!.findings).toEqual([]);
  });

  test('sticky: a comment with the same marker by another user is left alone; a new one is created', async () => {
    const foreign = gh.seed({
      owner: 'octo',
      repo: 'linux',
      issue: 7,
      login: 'alice',
      body: `quoting the bot:\n${COMMENT_MARKER}\nold`,
    });
    const out = await publishComment(octokit(), { mode: 'sticky', target: PR, body: `${COMMENT_MARKER}\nnew` });
    expect(out.action).toBe('created');
    expect(gh.calls().filter((c) => c.startsWith('PATCH'))).toEqual([]);
    expect(gh.calls()).toContain('POST /repos/octo/linux/issues/7/comments');
    expect(foreign.body).toBe(`quoting the bot:\n${COMMENT_MARKER}\nold`);
  });

  test(
    'sticky: with a PAT or a GitHub App token the login comes from GraphQL viewer; ' + 'botLogin skips that call',
    async () => {
      await gh.close();
      gh = await FakeGitHub.start({ token: TOKEN, actor: 'kpci-bot' }); // a PAT's or an App's own login
      gh.seed({
        owner: 'octo',
        repo: 'linux',
        issue: 7,
        login: 'github-actions[bot]',
        body: `${COMMENT_MARKER}\nby the other token`,
      });
      const mine = gh.seed({
        owner: 'octo',
        repo: 'linux',
        issue: 7,
        login: 'kpci-bot',
        body: `${COMMENT_MARKER}\nmine`,
      });
      expect(
        await publishComment(octokit(), { mode: 'sticky', target: PR, body: `${COMMENT_MARKER}\nv2` }),
      ).toMatchObject({ action: 'updated' });
      expect(gh.calls().at(-1)).toBe(`PATCH /repos/octo/linux/issues/comments/${mine.id}`);

      gh.requests.length = 0;
      expect(
        await publishComment(octokit(), {
          mode: 'sticky',
          target: PR,
          body: `${COMMENT_MARKER}\nv3`,
          botLogin: 'kpci-bot',
        }),
      ).toMatchObject({ action: 'updated' });
      expect(gh.calls()).toEqual([
        'GET /repos/octo/linux/issues/7/comments',
        `PATCH /repos/octo/linux/issues/comments/${mine.id}`,
      ]);
    },
  );

  test(
    'sticky: when GraphQL cannot say who the token is, ' + "the workflow token's github-actions[bot] is assumed",
    async () => {
      gh.script('POST', '/graphql', { status: 403, body: { message: 'Resource not accessible by integration' } });
      const ours = gh.seed({
        owner: 'octo',
        repo: 'linux',
        issue: 7,
        login: 'github-actions[bot]',
        body: `${COMMENT_MARKER}\nold`,
      });
      expect(
        await publishComment(octokit(), { mode: 'sticky', target: PR, body: `${COMMENT_MARKER}\nnew` }),
      ).toMatchObject({ action: 'updated' });
      expect(gh.calls().at(-1)).toBe(`PATCH /repos/octo/linux/issues/comments/${ours.id}`);
    },
  );

  test('a refused commit comment names contents: write, or the permission GitHub says it wanted', async () => {
    const target: CommentTarget = { owner: 'octo', repo: 'linux', commitSha: 'ab'.repeat(20) };
    gh.script('POST', '/repos/:o/:r/commits/:sha/comments', {
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    });
    const plain = await publishComment(octokit(), { mode: 'new', target, body: 'x' });
    expect(plain).toMatchObject({ action: 'read-only' });
    expect(plain.warning).toBe(
      'kernel-patch-ci: the token may not comment on octo/linux@abababababab: the workflow needs `permissions: ' +
        'contents: write`. The report is in the job summary.',
    );
    gh.script('POST', '/repos/:o/:r/issues/:n/comments', {
      status: 403,
      headers: { 'x-accepted-github-permissions': 'issues=write; pull_requests=write' },
      body: { message: 'Resource not accessible by integration' },
    });
    expect((await publishComment(octokit(), { mode: 'new', target: PR, body: 'x' })).warning).toMatch(
      /needs `permissions: issues: write` — or this is a pull request from a fork/,
    );
  });

  test('sticky: a keyed marker only matches its own comment', async () => {
    const other = gh.seed({
      owner: 'octo',
      repo: 'linux',
      issue: 7,
      login: 'github-actions[bot]',
      body: `${COMMENT_MARKER}\ndefault workflow`,
    });
    const marker = commentMarker('nightly build');
    expect(marker).toBe('<!-- kernel-patch-ci:nightly-build -->');
    expect(
      await publishComment(octokit(), { mode: 'sticky', target: PR, body: 'no marker in here', marker }),
    ).toMatchObject({ action: 'created' });
    const created = gh.comments.at(-1)!;
    expect(created.body).toBe(`${marker}\nno marker in here`); // the marker is added, so the next run finds it
    expect(other.body).toBe(`${COMMENT_MARKER}\ndefault workflow`);
  });

  test('pagination: the bot comment on page 2 (Link rel="next") is found and updated', async () => {
    await gh.close();
    gh = await FakeGitHub.start({ token: TOKEN, pageSize: 2 });
    for (const who of ['alice', 'bob', 'carol'])
      gh.seed({ owner: 'octo', repo: 'linux', issue: 7, login: who, body: `lgtm from ${who}` });
    const ours = gh.seed({
      owner: 'octo',
      repo: 'linux',
      issue: 7,
      login: 'github-actions[bot]',
      body: `${COMMENT_MARKER}\nold`,
    });
    const out = await publishComment(octokit(), { mode: 'sticky', target: PR, body: `${COMMENT_MARKER}\nnew` });
    expect(out.action).toBe('updated');
    const lists = gh.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/comments'));
    expect(lists.map((r) => r.query.get('page'))).toEqual([null, '2']);
    expect(gh.calls().at(-1)).toBe(`PATCH /repos/octo/linux/issues/comments/${ours.id}`);
    expect(gh.calls()).not.toContain('POST /repos/octo/linux/issues/7/comments');
  });

  test('a 403 on create (fork PR, read-only token) degrades to read-only with a one-line warning', async () => {
    gh.script('POST', '/repos/:o/:r/issues/:n/comments', {
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    });
    const out = await publishComment(octokit(), { mode: 'new', target: PR, body: `${COMMENT_MARKER}\nx` });
    expect(out.action).toBe('read-only');
    expect(out.warning).toMatch(/fork/);
    expect(out.warning).toMatch(/workflow_run recipe in the README/);
    expect(out.warning).not.toContain('\n');
    expect(gh.calls()).toEqual(['POST /repos/octo/linux/issues/7/comments']); // 403 is not retried
  });

  test('a 403 on listing and a 404 on create also degrade to read-only', async () => {
    gh.script('GET', '/repos/:o/:r/issues/:n/comments', {
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    });
    expect((await publishComment(octokit(), { mode: 'sticky', target: PR, body: 'x' })).action).toBe('read-only');
    gh.script('POST', '/repos/:o/:r/issues/:n/comments', { status: 404, body: { message: 'Not Found' } });
    expect((await publishComment(octokit(), { mode: 'new', target: PR, body: 'x' })).action).toBe('read-only');
  });

  test('a 502 then success is retried and succeeds (listing and creating)', async () => {
    gh.script('GET', '/repos/:o/:r/issues/:n/comments', { status: 502, body: { message: 'Bad Gateway' } });
    gh.script('POST', '/repos/:o/:r/issues/:n/comments', { status: 503, body: { message: 'Service Unavailable' } });
    const out = await publishComment(octokit(), { mode: 'sticky', target: PR, body: `${COMMENT_MARKER}\nx` });
    expect(out.action).toBe('created');
    expect(gh.calls()).toEqual([
      'POST /graphql',
      'GET /repos/octo/linux/issues/7/comments',
      'GET /repos/octo/linux/issues/7/comments',
      'POST /repos/octo/linux/issues/7/comments',
      'POST /repos/octo/linux/issues/7/comments',
    ]);
    expect(gh.comments).toHaveLength(1);
  });

  test('other failures throw a one-line infrastructure RunError (after retries for a 5xx)', async () => {
    gh.route('POST', '/repos/:o/:r/issues/:n/comments', { status: 500, body: { message: 'Server Error' } });
    const error = await publishComment(
      createOctokit(TOKEN, { baseUrl: gh.url, retries: 2, retryAfterMs: 1, throttle: false }),
      { mode: 'new', target: PR, body: 'x' },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunError);
    expect((error as RunError).kind).toBe('infrastructure');
    expect((error as RunError).message).toMatch(
      /^GitHub comment: could not create a comment on octo\/linux#7 \(HTTP 500\): Server Error/,
    );
    expect((error as RunError).message).not.toContain('\n');
    expect(gh.calls().filter((c) => c.startsWith('POST'))).toHaveLength(3);

    gh.route('POST', '/repos/:o/:r/issues/:n/comments', { status: 422, body: { message: 'Validation Failed' } });
    await expect(publishComment(octokit(), { mode: 'new', target: PR, body: 'x' })).rejects.toThrow(/HTTP 422/);
  });

  test('a bad token is an error, not read-only', async () => {
    const bad = createOctokit('ghp_wrong', { baseUrl: gh.url, retryAfterMs: 1, throttle: false });
    await expect(publishComment(bad, { mode: 'sticky', target: PR, body: 'x' })).rejects.toThrow(
      /HTTP 401.*Bad credentials/,
    );
  });

  test('a push without a PR comments on the commit; sticky updates that commit comment', async () => {
    const sha = '536389a239a1b2306d94b7cbcd055a6683a28dee';
    const target: CommentTarget = { owner: 'octo', repo: 'linux', commitSha: sha };
    const first = await publishComment(octokit(), { mode: 'sticky', target, body: `${COMMENT_MARKER}\n1` });
    expect(first).toEqual({ action: 'created', url: `https://github.com/octo/linux/commit/${sha}#commitcomment-1000` });
    expect(gh.calls()).toEqual([
      'POST /graphql',
      `GET /repos/octo/linux/commits/${sha}/comments`,
      `POST /repos/octo/linux/commits/${sha}/comments`,
    ]);
    expect(gh.requests[2]!.body).toEqual({ body: `${COMMENT_MARKER}\n1` });
    gh.requests.length = 0;
    expect((await publishComment(octokit(), { mode: 'sticky', target, body: `${COMMENT_MARKER}\n2` })).action).toBe(
      'updated',
    );
    expect(gh.calls().at(-1)).toBe('PATCH /repos/octo/linux/comments/1000');
  });

  test('off sends no request at all; no target is skipped with a warning', async () => {
    expect(await publishComment(octokit(), { mode: 'off', target: PR, body: 'x' })).toEqual({ action: 'skipped' });
    const none = await publishComment(octokit(), {
      mode: 'sticky',
      target: { owner: 'octo', repo: 'linux' },
      body: 'x',
    });
    expect(none.action).toBe('skipped');
    expect(none.warning).toMatch(/no pull request or commit/);
    expect(gh.requests).toEqual([]);
  });

  test('createOctokit defaults its base URL to $GITHUB_API_URL', async () => {
    const saved = process.env.GITHUB_API_URL;
    process.env.GITHUB_API_URL = gh.url;
    try {
      await createOctokit(TOKEN, { throttle: false }).request(
        'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
        { owner: 'octo', repo: 'linux', issue_number: 7 },
      );
    } finally {
      if (saved === undefined) delete process.env.GITHUB_API_URL;
      else process.env.GITHUB_API_URL = saved;
    }
    expect(gh.calls()).toEqual(['GET /repos/octo/linux/issues/7/comments']);
  });
});

describe('commentBody', () => {
  const splat = (n: number) =>
    Array.from({ length: n }, (_, i) => ` ? some_function_${i}+0x${i.toString(16)}/0x200`).join('\n');
  const big = results([
    stage(
      'checkpatch',
      Array.from({ length: 40 }, (_, i) => finding({ line: i + 1 })),
    ),
    stage('sparse', [
      finding({
        tool: 'sparse',
        type: 'SPARSE',
        severity: 'warning',
        new: false,
        message: `context imbalance\n${splat(400)}`,
      }),
    ]),
    stage('boot', [
      finding({
        tool: 'kernel',
        type: 'KERNEL_SPLAT',
        message: `WARNING: at kernel/sched/core.c:5750\n${splat(2000)}`,
      }),
    ]),
  ]);
  const full = `${COMMENT_MARKER}\n`;

  test('a short report is the marker and the whole report', () => {
    const small = results([stage('apply', [])]);
    const body = commentBody(small, {});
    expect(body).toMatch(
      /^<!-- kernel-patch-ci -->\n<!-- kernel-patch-ci-data [A-Za-z0-9+/=]+ -->\n## kernel-patch-ci:/,
    );
    expect(body).not.toContain('truncated');
  });

  test(
    'a 70,000-character report is cut to the limit at a line boundary, ' +
      'fences and <details> closed, with a pointer',
    () => {
      const untruncated = commentBody(big, { limit: Number.MAX_SAFE_INTEGER });
      expect(untruncated.length).toBeGreaterThan(70_000);
      const body = commentBody(big, { summaryUrl: 'https://github.com/octo/linux/actions/runs/42' });
      expect(body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
      expect(body.length).toBeGreaterThan(GITHUB_COMMENT_LIMIT - 200); // it uses the room it has
      expect(body.startsWith(full)).toBe(true);
      expect(body).toMatch(
        new RegExp(
          "\\n✂️ \\*\\*Report truncated\\*\\* to fit GitHub's 65,536-character comment limit: the full " +
            'report is in the \\[job summary\\]\\(https://github\\.com/octo/linux/actions/runs/42\\)\\.$',
        ),
      );
      const fences = body.split('\n').filter((l) => /^\s*```/.test(l)).length;
      expect(fences % 2).toBe(0);
      expect(body.match(/<details>/g)?.length ?? 0).toBe(body.match(/<\/details>/g)?.length ?? 0);
      // what is kept is whole lines of the report
      const kept = body.slice(0, body.lastIndexOf('\n  ```\n'));
      expect(untruncated.startsWith(`${kept}\n`)).toBe(true);
    },
  );

  test('a cut inside a <details> closes the fence first, then the <details>', () => {
    const folded = results([
      stage('sparse', [finding({ severity: 'warning', new: false, message: `imbalance\n${splat(3000)}` })]),
    ]);
    const body = commentBody(folded, { limit: 5000 });
    expect(body.length).toBeLessThanOrEqual(5000);
    expect(body).toMatch(
      new RegExp(
        "\\n {2}```\\n</details>\\n\\n---\\n✂️ \\*\\*Report truncated\\*\\* to fit GitHub's 5,000-character " +
          'comment limit: the full report is in the job summary of the run\\.$',
      ),
    );
  });

  test("the hidden data is this version's blamed findings, read back whole, and survives a cut", () => {
    const body = commentBody(big, { limit: 10_000 });
    expect(body).toContain('Report truncated');
    const data = readVersionData(body)!;
    expect(data.stages).toEqual(['checkpatch', 'sparse', 'boot']);
    // the pre-existing sparse warning is not blamed; the splat keeps only its first line
    expect(data.findings.map((f) => [f.stage, f.type])).toEqual([
      ...Array.from({ length: 40 }, () => ['checkpatch', 'TRAILING_WHITESPACE']),
      ['boot', 'KERNEL_SPLAT'],
    ]);
    expect(data.findings.at(-1)!.message).toBe('WARNING: at kernel/sched/core.c:5750');
    // a series with very many findings keeps its first ones, in a bounded part of the comment
    const many = results([
      stage(
        'checkpatch',
        Array.from({ length: 500 }, (_, i) => finding({ line: i + 1 })),
      ),
    ]);
    const line = commentBody(many).split('\n')[1]!;
    expect(line.length).toBeLessThan(8100);
    const kept = readVersionData(line)!.findings;
    expect(kept.length).toBeGreaterThan(20);
    expect(kept.map((f) => f.line)).toEqual(Array.from({ length: kept.length }, (_, i) => i + 1));
    expect(readVersionData('<!-- kernel-patch-ci-data bm90IGpzb24= -->')).toBeUndefined();
    expect(readVersionData(undefined)).toBeUndefined();
  });

  test('a custom marker heads the body', () => {
    expect(commentBody(big, { marker: commentMarker('x86'), limit: 10_000 })).toMatch(
      /^<!-- kernel-patch-ci:x86 -->\n<!-- kernel-patch-ci-data \S+ -->\n## /,
    );
  });
});

describe('selectAnnotations', () => {
  const many = (n: number, over: Partial<Finding>) =>
    Array.from({ length: n }, (_, i) => finding({ ...over, line: i + 1 }));

  test('15 errors + 15 warnings + 60 notices: 10 of each level, errors first, and how many were left out', () => {
    const { annotations, omitted } = selectAnnotations(
      results([
        stage('checkpatch', [
          ...many(60, { severity: 'info', type: 'COMMIT_MESSAGE' }),
          ...many(15, { severity: 'warning', type: 'LONG_LINE' }),
        ]),
        stage('build', many(15, { tool: 'gcc', type: undefined, config: 'x86_64-dm', patch: undefined })),
      ]),
    );
    expect(annotations.map((a) => a.level)).toEqual([
      ...Array(10).fill('error'),
      ...Array(10).fill('warning'),
      ...Array(10).fill('notice'),
    ]);
    expect(omitted).toEqual({ error: 5, warning: 5, notice: 50 });
    expect(annotations[0]).toEqual({
      level: 'error',
      title: 'gcc (x86_64-dm)',
      message: 'trailing whitespace',
      file: 'drivers/md/dm-crypt.c',
      line: 1,
    });
    expect(annotations[10]!.title).toBe('checkpatch: LONG_LINE (patch 1)');
  });

  test('the per-job cap (50) holds when the per-level cap is large', () => {
    const { annotations, omitted } = selectAnnotations(
      results([
        stage('sparse', [
          ...many(30, { severity: 'warning' }),
          ...many(30, { severity: 'error' }),
          ...many(30, { severity: 'info' }),
        ]),
      ]),
      { perLevel: 1000 },
    );
    expect(annotations).toHaveLength(50);
    expect(annotations.filter((a) => a.level === 'error')).toHaveLength(30);
    expect(annotations.filter((a) => a.level === 'warning')).toHaveLength(20);
    expect(omitted).toEqual({ error: 0, warning: 10, notice: 30 });
  });

  test(
    'order: earlier stages first, kernel splats first within boot; ' +
      'pre-existing and file-less findings are left out',
    () => {
      const { annotations, omitted } = selectAnnotations(
        results([
          // out of order on purpose: the stage order decides, not the array order
          stage('boot', [
            finding({
              tool: 'workload',
              type: 'SCENARIO_FAILED',
              message: 'dmsetup create failed',
              line: 3,
              config: 'x86_64-dm',
              patch: undefined,
            }),
            finding({
              tool: 'kernel',
              type: 'KERNEL_SPLAT',
              message: 'WARNING: at kernel/sched/core.c:5750\n ? crypt_iv_lmk_post+0xf5/0x10a',
              line: 560,
              config: 'x86_64-dm',
            }),
          ]),
          stage('checkpatch', [
            finding({ new: false, message: 'pre-existing' }),
            finding({ file: undefined, line: undefined, message: 'no file: not annotatable' }),
            finding({ type: 'SPACING', line: 12 }),
          ]),
          stage('sparse', [
            finding({ tool: 'sparse', type: 'SPARSE', severity: 'warning', line: undefined, message: 'file only' }),
          ]),
        ]),
      );
      expect(annotations.map((a) => a.title)).toEqual([
        'checkpatch: SPACING (patch 1)',
        'kernel: KERNEL_SPLAT (patch 1, x86_64-dm)',
        'workload: SCENARIO_FAILED (x86_64-dm)',
        'sparse: SPARSE (patch 1)',
      ]);
      expect(annotations[1]!.message).toBe('WARNING: at kernel/sched/core.c:5750\n ? crypt_iv_lmk_post+0xf5/0x10a');
      expect(annotations[3]).not.toHaveProperty('line');
      expect(omitted).toEqual({ error: 0, warning: 0, notice: 0 });
    },
  );
});
