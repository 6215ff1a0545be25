import { describe, expect, test } from '@jest/globals';
import { checkShape, parseSubjectTag } from '../../src/readiness/shape.js';
import { coverLetterBody, coverLetterSubject, fillCoverLetter, readCoverLetter } from '../../src/readiness/mail.js';
import { parseSendEmailLog } from '../../src/tools/send-email.js';
import type { Patch, Series } from '../../src/series/intake.js';
import { fixture } from '../helpers/fixtures.js';

const p = (index: number, rawSubject: string) =>
  ({ index, rawSubject, subject: rawSubject.replace(/^\[[^\]]*\]\s*/, '') }) as Patch;
const shape = (subjects: string[], cover?: string) =>
  checkShape(
    {
      patches: subjects.map((s, i) => p(i + 1, s)),
      ...(cover ? { coverLetter: { subject: '', file: '' } } : {}),
    } as Series,
    cover,
  );

describe('series shape', () => {
  test('subject tags', () => {
    expect(parseSubjectTag('[RFC PATCH v3 2/5] dm: x')).toEqual({ version: 3, number: 2, total: 5 });
    expect(parseSubjectTag('[PATCH] dm: x')).toEqual({ version: 1 });
  });
  test('two or more patches need a cover letter; one version; n/N in order', () => {
    expect(shape(['[PATCH 1/2] a: b', '[PATCH 2/2] a: c'])).toEqual({
      version: 1,
      needsCoverLetter: true,
      findings: [],
    });
    expect(shape(['[PATCH v2 1/2] a: b', '[PATCH v2 2/2] a: c'], '[PATCH v2 0/2] a: d')).toEqual({
      version: 2,
      needsCoverLetter: false,
      findings: [],
    });
    expect(shape(['[PATCH v2 1/2] a: b', '[PATCH v3 2/2] a: c']).findings.map((f) => f.type)).toEqual([
      'INCONSISTENT_VERSION',
    ]);
    expect(shape(['[PATCH 1/3] a: b', '[PATCH 2/2] a: c']).findings.map((f) => [f.type, f.patch])).toEqual([
      ['BAD_PATCH_NUMBER', 1],
    ]);
    expect(shape(['[PATCH] a: b']).needsCoverLetter).toBe(false);
    expect(shape(Array.from({ length: 16 }, (_, i) => `[PATCH ${i + 1}/16] a: b`)).findings.map((f) => f.type)).toEqual(
      ['TOO_MANY_PATCHES'],
    );
  });
});

describe('cover letter', () => {
  test('subject: the shared area, and the shared summary', () => {
    expect(
      coverLetterSubject([
        p(1, '[PATCH 1/2] dm crypt: use kmap_local_page()'),
        p(2, '[PATCH 2/2] dm log writes: use kmap_local_page()'),
      ]),
    ).toBe('dm: use kmap_local_page()');
    expect(coverLetterSubject([p(1, '[PATCH 1/2] dm crypt: a'), p(2, '[PATCH 2/2] dm crypt: b')])).toBe(
      'dm crypt: 2 patches: a, …',
    );
    expect(
      coverLetterSubject([
        p(1, '[PATCH 1/2] md/md-bitmap: use kmap_local_page()'),
        p(2, '[PATCH 2/2] md/raid5-cache: use kmap_local_page()'),
      ]),
    ).toBe('md: use kmap_local_page()');
  });
  test('body: the patches and the earlier stages as the testing statement; readiness itself is not quoted', () => {
    const body = coverLetterBody(
      [p(1, '[PATCH 1/2] dm: a'), p(2, '[PATCH 2/2] dm: b')],
      [
        { name: 'apply', status: 'pass', durationMs: 1, summary: '2 patches applied', findings: [] },
        { name: 'boot', status: 'pass', durationMs: 1, summary: '2 cells booted', findings: [] },
      ],
      { tool: 'kernel-patch-ci 0.1.0', tree: 'linux-dm', base: 'b0fd160d960329dc' },
    );
    expect(body.split('\n')).toEqual([
      'This series has 2 patches:',
      '',
      '  1/2 dm: a',
      '  2/2 dm: b',
      '',
      'Testing: kernel-patch-ci 0.1.0 on linux-dm at b0fd160d9603:',
      '',
      '  apply: pass — 2 patches applied',
      '  boot: pass — 2 cells booted',
    ]);
  });
  test('a cover letter read back: subject and text up to the shortlog; the template filled in', () => {
    const c = readCoverLetter(fixture('series', 'readiness-kmap-lint', '0000-cover-letter.patch'));
    expect(c.rawSubject).toBe('[PATCH 0/5] dm crypt: kmap_local_page() conversions with mistakes');
    expect(c.body.split('\n')[0]).toBe('Five conversions, each with one of the mistakes a reviewer looks for at a');
    expect(c.body).not.toContain('Ann Tester (5)');
    expect(
      fillCoverLetter('Subject: [PATCH 0/2] *** SUBJECT HERE ***\n\n*** BLURB HERE ***\n', { subject: 's', body: 'b' }),
    ).toBe('Subject: [PATCH 0/2] s\n\nb\n');
  });
});

test('git send-email --dry-run log: one entry per mail with its subject and envelope recipients', () => {
  const log =
    'Dry-OK. Log says:\nServer: localhost\nMAIL FROM:<a@x>\nRCPT TO:<agk@redhat.com>\n' +
    'RCPT TO:<dm-devel@redhat.com>\nFrom: A <a@x>\nSubject: [PATCH v1 0/2] dm: x\n\nResult: OK\n' +
    'Dry-OK. Log says:\nRCPT TO:<agk@redhat.com>\nSubject: [PATCH v1 1/2] dm crypt: y\n\n';
  expect(parseSendEmailLog(log)).toEqual([
    { subject: '[PATCH v1 0/2] dm: x', recipients: ['agk@redhat.com', 'dm-devel@redhat.com'] },
    { subject: '[PATCH v1 1/2] dm crypt: y', recipients: ['agk@redhat.com'] },
  ]);
});
