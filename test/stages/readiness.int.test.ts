// The readiness stage on the real 6.1 and 6.12 trees: real get_maintainer.pl, spatch, git format-patch and
// git send-email, and a real SMTP round trip to a server this test starts on 127.0.0.1.
import { afterAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { EXAMPLE_SERIES, FIXTURES, MD_EXAMPLE_SERIES } from '../helpers/fixtures.js';
import { KERNEL_TARBALL, removeOutDirs, runCli, stage } from '../helpers/kernel.js';
import { localClone, tree } from '../helpers/trees.js';

const series = (name: string) => path.join(FIXTURES, 'series', name);
const TEN_MINUTES = 600_000;
const readiness = (args: string[]) => runCli(['--tree', KERNEL_TARBALL, '--stages', 'readiness', ...args]);
const types = (findings: { type?: string }[]) => findings.map((f) => f.type);
const DM_TO = ['Alasdair Kergon <agk@redhat.com>', 'Mike Snitzer <snitzer@kernel.org>'];
const DM_CC = ['dm-devel@redhat.com', 'linux-kernel@vger.kernel.org'];

afterAll(removeOutDirs, TEN_MINUTES);

/**
 * A copy of a fixture series with @BASE12@ replaced by the tree's base commit: the imported tarball's commit id
 * follows Debian's linux-source-6.1 version, so a Fixes: tag that names it cannot be written into the fixture.
 */
async function withBaseCommit(name: string): Promise<{ dir: string; base: string }> {
  const probe = await runCli(['--tree', KERNEL_TARBALL, '--stages', 'apply', '--series', EXAMPLE_SERIES]);
  const base = probe.results.tree.baseCommit!.slice(0, 12);
  const dir = await mkdtemp(path.join(os.tmpdir(), `kpci-${name}-`));
  for (const f of await readdir(series(name)))
    await writeFile(
      path.join(dir, f),
      (await readFile(path.join(series(name), f), 'utf8')).replaceAll('@BASE12@', base),
    );
  return { dir, base };
}

describe('readiness of the example series (dm crypt + dm log writes kmap_local_page conversions)', () => {
  test(
    'is ready: no hygiene, shape or lint findings, the dm maintainers and dm-devel, a cover letter, a dry run',
    async () => {
      const run = await readiness(['--series', EXAMPLE_SERIES]);
      expect(run.code).toBe(0);
      const r = stage(run, 'readiness')!;
      expect(r.status).toBe('pass');
      expect(r.findings.filter((f) => f.severity !== 'info')).toEqual([]);
      expect(types(r.findings)).toEqual([
        'RECIPIENTS',
        'RECIPIENTS',
        'RECIPIENTS',
        'SEND_TO_TREE',
        'COVER_LETTER_GENERATED',
        'SEND_COMMAND',
      ]);
      expect(r.findings[2]!.message).toBe(`series: To: ${DM_TO.join(', ')}; Cc: ${DM_CC.join(', ')}`);
      expect(r.findings[3]!.message).toBe(
        'base the series on linux-dm ' +
          '(git://git.kernel.org/pub/scm/linux/kernel/git/device-mapper/linux-dm.git) and send it there: ' +
          'the tree MAINTAINERS names for DEVICE-MAPPER  (LVM)',
      );
      expect(r.summary).toContain('ready to send: 0 hygiene, 0 shape, 0 kmap_local findings');
      expect(r.summary).toContain(
        `To: ${DM_TO.join(', ')}; Cc: ${DM_CC.join(', ')}; tree: ` +
          `linux-dm (git://git.kernel.org/pub/scm/linux/kernel/git/device-mapper/linux-dm.git)`,
      );
      // dm-crypt.c had 10 calls (5 map/unmap pairs), dm-log-writes.c 8; the series converts all of them
      expect(r.summary).toContain(
        'deprecated kmap/kmap_atomic/kunmap/kunmap_atomic calls ' + 'in the touched files 18 → 0',
      );
      expect(r.summary).toContain('3 mails in mail/ (send-email dry run: 3 OK)');
      console.log(`readiness of the example: ${r.durationMs} ms — ${r.summary}`);

      const mails = (await readdir(path.join(run.outDir, 'mail'))).sort();
      expect(mails).toEqual([
        'v1-0000-cover-letter.patch',
        'v1-0001-dm-crypt-use-kmap_local_page-instead-of-deprecate.patch',
        'v1-0002-dm-log-writes-use-kmap_local_page-instead-of-depr.patch',
      ]);
      const cover = await readFile(path.join(run.outDir, 'mail', mails[0]!), 'utf8');
      expect(cover).toContain('Subject: [PATCH v1 0/2] dm: use kmap_local_page() instead of deprecated kmap_atomic()');
      expect(cover).toContain('From: Kernel Patch CI Example <example@kernel-patch-ci.invalid>');
      expect(cover).toMatch(/^ {2}1\/2 dm crypt: use kmap_local_page\(\) instead of deprecated kmap_atomic\(\)$/m);
      expect(cover).toMatch(/^ {2}apply: pass — 2 patches applied on [0-9a-f]{12}$/m);
      expect(cover).toContain(`base-commit: ${run.results.tree.baseCommit}`);
      expect(cover).not.toContain('***');
    },
    TEN_MINUTES,
  );

  test(
    'the cover letter quotes the earlier stages of the same run as its testing statement',
    async () => {
      const run = await runCli([
        '--tree',
        KERNEL_TARBALL,
        '--stages',
        'checkpatch,readiness',
        '--series',
        EXAMPLE_SERIES,
      ]);
      expect(run.results.stages.map((s) => [s.name, s.status])).toEqual([
        ['apply', 'pass'],
        ['checkpatch', 'pass'],
        ['readiness', 'pass'],
      ]);
      const cover = await readFile(path.join(run.outDir, 'mail', 'v1-0000-cover-letter.patch'), 'utf8');
      expect(cover).toMatch(/^ {2}checkpatch: pass — 2 patches: 0 errors, 0 warnings$/m);
    },
    TEN_MINUTES,
  );
});

describe('readiness problems', () => {
  test(
    'no sign-off, a wrong prefix, a long subject; a foreign sign-off, bad Fixes:, Reported-by without Closes:',
    async () => {
      const { dir, base } = await withBaseCommit('readiness-hygiene');
      const run = await readiness(['--series', dir]);
      await rm(dir, { recursive: true, force: true });
      expect(run.code).toBe(1);
      const r = stage(run, 'readiness')!;
      expect(r.status).toBe('fail');
      const problems = r.findings.filter((f) => f.severity !== 'info').map((f) => [f.patch, f.severity, f.type]);
      expect(problems).toEqual([
        [1, 'error', 'MISSING_SIGN_OFF'],
        [1, 'warning', 'WRONG_SUBJECT_PREFIX'],
        [1, 'warning', 'LONG_SUBJECT'],
        [2, 'warning', 'SIGN_OFF_MISMATCH'],
        [2, 'warning', 'MISSING_COMMIT_DESCRIPTION'],
        [2, 'warning', 'FIXES_SUBJECT_MISMATCH'],
        [2, 'warning', 'BAD_FIXES_TAG'],
        [2, 'warning', 'MISSING_CLOSES_TAG'],
        [undefined, 'warning', 'INCONSISTENT_VERSION'],
      ]);
      const message = (type: string) => r.findings.find((f) => f.type === type)!.message;
      expect(message('WRONG_SUBJECT_PREFIX')).toBe(
        'subject prefix "crypto:" is not what the maintainers of these files use; ' +
          'the dm/md prefix table says "dm crypt:" or "dm-crypt:" or "dm:"',
      );
      expect(message('LONG_SUBJECT')).toBe('subject is 82 characters after the [PATCH] tag; keep it to 75');
      // the tree's one commit exists, so the quoted subject is checked against it
      expect(message('FIXES_SUBJECT_MISMATCH')).toBe(
        `Fixes: ${base} quotes "dm log writes: introduce the log format", ` +
          `but that commit's subject is "Import linux-source-6.1.tar.xz"`,
      );
      expect(message('INCONSISTENT_VERSION')).toMatch(/\(v2, v3\)/);
      // the mails carry the newest version
      expect((await readdir(path.join(run.outDir, 'mail'))).sort()[0]).toBe('v3-0000-cover-letter.patch');
    },
    TEN_MINUTES,
  );

  test(
    'an md-bitmap patch on a tarball (which tree it is, is not known) goes to the md maintainers and the md tree',
    async () => {
      const run = await readiness(['--series', series('readiness-md-bitmap')]);
      const r = stage(run, 'readiness')!;
      expect(r.findings.filter((f) => f.severity !== 'info')).toEqual([]);
      expect(r.findings.find((f) => f.type === 'SEND_TO_TREE')!.message).toBe(
        'base the series on md (git://git.kernel.org/pub/scm/linux/kernel/git/song/md.git) and send it there: ' +
          'the tree MAINTAINERS names for SOFTWARE RAID (Multiple Disks) SUPPORT',
      );
      expect(r.summary).toContain(
        'To: Song Liu <song@kernel.org>; Cc: linux-raid@vger.kernel.org, linux-kernel@vger.kernel.org; tree: ' +
          'md (git://git.kernel.org/pub/scm/linux/kernel/git/song/md.git)',
      );
      expect(r.summary).toContain('calls in the touched files 21 → 19');
      expect(r.summary).toContain('1 mails in mail/');
      expect(run.code).toBe(0);
    },
    TEN_MINUTES,
  );

  test(
    "dm and md patches in one series span two maintainers' areas",
    async () => {
      const run = await readiness(['--series', EXAMPLE_SERIES, '--series', series('readiness-md-bitmap')]);
      const r = stage(run, 'readiness')!;
      expect(types(r.findings.filter((f) => f.severity !== 'info'))).toEqual([
        'SPANS_MAINTAINERS',
        'BAD_PATCH_NUMBER',
        'BAD_PATCH_NUMBER',
        'MISSING_PATCH_NUMBER',
      ]);
      expect(types(r.findings)).not.toContain('SEND_TO_TREE'); // no one tree takes both
      expect(r.findings.find((f) => f.type === 'SPANS_MAINTAINERS')!.message).toMatch(
        /^the series spans maintainers' areas \(DEVICE-MAPPER {2}\(LVM\); SOFTWARE RAID \(Multiple Disks\) SUPPORT\)/,
      );
      expect(r.summary).toContain(
        'To: Alasdair Kergon <agk@redhat.com>, Mike Snitzer <snitzer@kernel.org>, Song Liu <song@kernel.org>',
      );
    },
    TEN_MINUTES,
  );

  test(
    'each kmap_local rule catches its mistake, at its file and line in the patched tree, tied to its patch',
    async () => {
      const run = await readiness(['--series', series('readiness-kmap-lint')]);
      const r = stage(run, 'readiness')!;
      const lint = r.findings.filter((f) => f.type?.startsWith('KMAP_LOCAL_'));
      expect(lint.map((f) => [f.type, f.file, f.line, f.patch])).toEqual([
        ['KMAP_LOCAL_WRONG_UNMAP', 'drivers/md/dm-crypt.c', 542, 1],
        ['KMAP_LOCAL_UNMAP_PAGE', 'drivers/md/dm-crypt.c', 567, 2],
        ['KMAP_LOCAL_PERCPU', 'drivers/md/dm-crypt.c', 691, 4],
        ['KMAP_LOCAL_ESCAPES', 'drivers/md/dm-crypt.c', 718, 5],
        ['KMAP_LOCAL_LIFO', 'drivers/md/dm-crypt.c', 1011, 3],
      ]);
      const tree = path.join(run.outDir, 'work', 'linux', 'drivers/md/dm-crypt.c');
      const line = (n: number) => execFileSync('sed', ['-n', `${n}p`, tree], { encoding: 'utf8' }).trim();
      expect([542, 567, 691, 718, 1011].map(line)).toEqual([
        'kunmap_atomic(src);',
        'kunmap_local(sg_page(sg));',
        'pr_debug("tcw: whitening on CPU %d\\n", smp_processor_id());',
        'sg_init_one(&whitened, dst + sg->offset, cc->sector_size);',
        'kunmap_local(data);',
      ]);
      expect(r.status).toBe('fail');
      expect(r.summary).toContain('0 hygiene, 0 shape, 5 kmap_local findings');
      // the series' own cover letter is used, not a generated one
      expect(types(r.findings)).not.toContain('COVER_LETTER_GENERATED');
      const cover = await readFile(path.join(run.outDir, 'mail', 'v1-0000-cover-letter.patch'), 'utf8');
      expect(cover).toContain('Subject: [PATCH v1 0/5] dm crypt: kmap_local_page() conversions with mistakes');
      expect(cover).toContain('Five conversions, each with one of the mistakes');
    },
    TEN_MINUTES,
  );
});

describe('readiness on linux-source-6.12: the md example goes to md, not dm', () => {
  const MD_TREE = 'md (git://git.kernel.org/pub/scm/linux/kernel/git/song/md.git)';
  const readiness612 = async (args: string[]) =>
    runCli(['--tree', tree('6.12').tarball, '--stages', 'readiness', ...args]);

  test(
    'is ready: Song Liu and Yu Kuai, Cc linux-raid, based on and sent to md.git, nothing to fix',
    async () => {
      const run = await readiness612(['--series', MD_EXAMPLE_SERIES]);
      const r = stage(run, 'readiness')!;
      expect(r.findings.filter((f) => f.severity !== 'info')).toEqual([]);
      expect(r.findings.find((f) => f.type === 'RECIPIENTS' && !f.patch)!.message).toBe(
        'series: To: Song Liu <song@kernel.org>, Yu Kuai <yukuai3@huawei.com>; Cc: ' +
          'linux-raid@vger.kernel.org, linux-kernel@vger.kernel.org',
      );
      expect(r.findings.find((f) => f.type === 'SEND_TO_TREE')!.message).toContain(
        `base the series on ${MD_TREE} and send it there`,
      );
      expect(r.summary).toContain(
        `ready to send: 0 hygiene, 0 shape, 0 kmap_local findings; To: Song Liu <song@kernel.org>, Yu Kuai ` +
          `<yukuai3@huawei.com>; Cc: linux-raid@vger.kernel.org, linux-kernel@vger.kernel.org; tree: ${MD_TREE}`,
      );
      // md-bitmap.c had 21 calls of kmap_atomic/kunmap_atomic, raid5-cache.c 8
      expect(r.summary).toContain('calls in the touched files 29 → 0');
      expect(run.code).toBe(0);
      const cover = await readFile(path.join(run.outDir, 'mail', 'v1-0000-cover-letter.patch'), 'utf8');
      expect(cover).toContain('Subject: [PATCH v1 0/2] md: use kmap_local_page() instead of deprecated kmap_atomic()');
    },
    TEN_MINUTES,
  );

  test(
    'tested against a clone of linux-dm, the run works and says the md files belong in md.git',
    async () => {
      const clone = await localClone(
        tree('6.12'),
        'https://git.kernel.org/pub/scm/linux/kernel/git/device-mapper/linux-dm.git',
      );
      const run = await runCli(['--tree', clone, '--stages', 'readiness', '--series', MD_EXAMPLE_SERIES]);
      await rm(clone, { recursive: true, force: true });
      const r = stage(run, 'readiness')!;
      expect(r.findings.filter((f) => f.severity !== 'info').map((f) => [f.type, f.file, f.patch, f.severity])).toEqual(
        [
          ['NOT_FOR_THIS_TREE', 'drivers/md/md-bitmap.c', 1, 'warning'],
          ['NOT_FOR_THIS_TREE', 'drivers/md/raid5-cache.c', 2, 'warning'],
        ],
      );
      expect(r.findings[r.findings.findIndex((f) => f.type === 'NOT_FOR_THIS_TREE')]!.message).toBe(
        'drivers/md/md-bitmap.c is maintained in md (SOFTWARE RAID (Multiple Disks) ' +
          'SUPPORT), not in linux-dm, the tree under test: ' +
          'base the series on git://git.kernel.org/pub/scm/linux/kernel/git/song/md.git and send it there',
      );
      expect(r.summary).toContain(`tree: ${MD_TREE}`);
      expect(run.code).toBe(1); // a series tested on the wrong tree is not ready, but the run itself worked
      expect(run.results.verdict).toBe('fail');
    },
    TEN_MINUTES,
  );

  test(
    'kunmap_atomic() left after kmap_local_page() in md_bitmap_file_set_bit() is a lint error at its line',
    async () => {
      const run = await readiness612(['--series', series('md-preempt-imbalance')]);
      const lint = stage(run, 'readiness')!.findings.filter((f) => f.type?.startsWith('KMAP_LOCAL_'));
      expect(lint.map((f) => [f.type, f.file, f.line, f.patch, f.severity])).toEqual([
        ['KMAP_LOCAL_WRONG_UNMAP', 'drivers/md/md-bitmap.c', 1169, 1, 'error'],
      ]);
      expect(lint[0]!.message).toMatch(/\(in md_bitmap_file_set_bit\(\)\)$/);
      expect(run.code).toBe(1);
    },
    TEN_MINUTES,
  );
});

describe('mail round trip through a real SMTP server', () => {
  test(
    '--send-to-self mails the series to the author only; the received mails, ' +
      'git am-ed on the base, give the patched tree',
    async () => {
      const received: { from: string; to: string[]; raw: Buffer }[] = [];
      let authenticated: string | undefined;
      const server = new SMTPServer({
        secure: false,
        disabledCommands: ['STARTTLS'],
        allowInsecureAuth: true,
        authOptional: false,
        onAuth(auth, _session, callback) {
          authenticated = `${auth.username}:${auth.password}`;
          callback(null, { user: auth.username });
        },
        onData(stream, session, callback) {
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            received.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
              raw: Buffer.concat(chunks),
            });
            callback();
          });
        },
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.server.address() as { port: number }).port;
      const saved = process.env.KPCI_SMTP_PASSWORD;
      process.env.KPCI_SMTP_PASSWORD = 's3cret pass';
      let run;
      try {
        run = await readiness([
          '--series',
          EXAMPLE_SERIES,
          '--smtp-server',
          `127.0.0.1:${port}`,
          '--smtp-user',
          'example',
          '--send-to-self',
        ]);
      } finally {
        if (saved === undefined) delete process.env.KPCI_SMTP_PASSWORD;
        else process.env.KPCI_SMTP_PASSWORD = saved;
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      expect(run.code).toBe(0);
      expect(authenticated).toBe('example:s3cret pass');
      expect(stage(run, 'readiness')!.summary).toContain('sent to example@kernel-patch-ci.invalid');
      expect(received).toHaveLength(3);
      // only to the author: none of the maintainers or lists was mailed
      for (const m of received) expect(m.to).toEqual(['example@kernel-patch-ci.invalid']);

      const parsed = await Promise.all(received.map(async (m) => ({ raw: m.raw, mail: await simpleParser(m.raw) })));
      const subjects = parsed.map((p) => p.mail.subject ?? '');
      expect(subjects.sort()).toEqual([
        '[PATCH v1 0/2] dm: use kmap_local_page() instead of deprecated kmap_atomic()',
        '[PATCH v1 1/2] dm crypt: use kmap_local_page() instead of deprecated kmap_atomic()',
        '[PATCH v1 2/2] dm log writes: use kmap_local_page() instead of deprecated kmap_atomic()',
      ]);
      const cover = parsed.find((p) => /\b0\/2\]/.test(p.mail.subject ?? ''))!.mail;
      // threaded under the cover letter
      for (const p of parsed.filter((q) => q.mail !== cover)) expect(p.mail.inReplyTo).toBe(cover.messageId);

      // git am the patches, in n/N order, onto the base in a scratch checkout of drivers/md only
      const linux = path.join(run.outDir, 'work', 'linux');
      const git = (cwd: string, ...args: string[]) =>
        execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
          cwd,
          encoding: 'utf8',
          env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' },
        }).trim();
      const scratch = await mkdtemp(path.join(os.tmpdir(), 'kpci-am-'));
      try {
        git(scratch, 'init', '-q');
        const objects = path.join(linux, '.git', 'objects');
        execFileSync('sh', ['-c', `echo "${objects}" > .git/objects/info/alternates`], { cwd: scratch });
        git(scratch, 'sparse-checkout', 'set', '--no-cone', '/drivers/md/');
        git(scratch, 'checkout', '-q', '--detach', run.results.tree.baseCommit!);
        const patches = parsed
          .filter((p) => p.mail !== cover)
          .sort((a, b) => (a.mail.subject ?? '').localeCompare(b.mail.subject ?? ''));
        for (const p of patches)
          execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'am', '-q'], {
            cwd: scratch,
            input: p.raw,
            env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' },
          });
        expect(
          git(scratch, 'log', '--format=%an <%ae>|%s', `${run.results.tree.baseCommit}..HEAD`).split('\n').reverse(),
        ).toEqual([
          'Kernel Patch CI Example <example@kernel-patch-ci.invalid>|dm crypt: ' +
            'use kmap_local_page() instead of deprecated kmap_atomic()',
          'Kernel Patch CI Example <example@kernel-patch-ci.invalid>|dm log writes: ' +
            'use kmap_local_page() instead of deprecated kmap_atomic()',
        ]);
        expect(git(scratch, 'rev-parse', 'HEAD^{tree}')).toBe(git(linux, 'rev-parse', 'HEAD^{tree}'));
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    },
    TEN_MINUTES,
  );

  test(
    'bad SMTP options: exit 2 with a one-line reason, before anything runs',
    async () => {
      const bad = async (args: string[], reason: string) => {
        const run = await readiness(['--series', EXAMPLE_SERIES, ...args]);
        expect(run.code).toBe(2);
        expect(run.stderr).toEqual([`kernel-patch-ci: ${reason}`]);
        expect(run.results.reason).toBe(reason);
      };
      await bad(
        ['--smtp-server', 'smtp.example.org:99999', '--send-to-self'],
        '--smtp-server port must be 1-65535, not 99999',
      );
      await bad(
        ['--smtp-server', 'smtp example.org', '--send-to-self'],
        '--smtp-server takes HOST[:PORT] like smtp.example.org:587, not "smtp example.org"',
      );
      await bad(['--send-to-self'], '--send-to-self needs --smtp-server HOST[:PORT]');
      await bad(
        ['--smtp-server', '127.0.0.1', '--smtp-user', 'me', '--send-to-self'],
        '--smtp-user needs the password in the environment variable KPCI_SMTP_PASSWORD',
      );
      await bad(
        ['--smtp-server', '127.0.0.1', '--smtp-encryption', 'starttls', '--send-to-self'],
        '--smtp-encryption must be one of none, tls, ssl, not "starttls"',
      );
    },
    TEN_MINUTES,
  );
});
