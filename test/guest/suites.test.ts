// suite.conf parsing and the choice of suite tests, on the shipped guest/suites and on bad input.
import { describe, expect, test } from '@jest/globals';
import path from 'node:path';
import { REPO } from '../helpers/fixtures.js';
import { chooseSuiteTests, parseSuiteConf, readSuites } from '../../src/guest/suites.js';
import { RunError } from '../../src/errors.js';

const GUEST = path.join(REPO, 'guest');
const CRYPT = 'drivers/md/dm-crypt.c';
const fn = (file: string, name: string) => ({ file, name });

describe('parseSuiteConf', () => {
  test('source, keep, packages and tests with their options', () => {
    const info = parseSuiteConf(
      's',
      [
        '# comment',
        'source: cryptsetup-bin',
        'keep: tests',
        'packages: bash sharutils # loopaes-test needs uuencode',
        'test: t1 reaches=a.c:f_*,b.c images=x.tar.xz:x/one,x/two*',
        'test: t2 reaches=a.c full',
      ].join('\n'),
    );
    expect(info).toMatchObject({ binary: 'cryptsetup-bin', keep: ['tests'], packages: ['bash', 'sharutils'] });
    expect(info.tests).toEqual([
      {
        id: 's:t1',
        suite: 's',
        name: 't1',
        reaches: ['a.c:f_*', 'b.c'],
        images: { tarball: 'x.tar.xz', members: ['x/one', 'x/two*'] },
        fullOnly: false,
      },
      { id: 's:t2', suite: 's', name: 't2', reaches: ['a.c'], fullOnly: true },
    ]);
  });

  test.each([
    ['keep: tests\n', /no "source:" line/],
    ['source: x\n', /no "keep:" line/],
    ['source: x\nkeep: t\ntest: a bogus=1\n', /s\/suite\.conf:3: unknown option "bogus=1" of test a/],
    ['source: x\nkeep: t\nwhat: now\n', /s\/suite\.conf:3: expected "source:"/],
    ['source: x\nkeep: t\ntest: ../a\n', /a test needs a name/],
  ])('%j is one clear error', (text, message) => {
    expect(() => parseSuiteConf('s', text)).toThrow(RunError);
    expect(() => parseSuiteConf('s', text)).toThrow(message);
  });
});

describe('chooseSuiteTests on the shipped suites', () => {
  test('the dm-crypt example: the tests of the lmk, tcw and elephant IVs, not the full-only ones', async () => {
    const suites = await readSuites(GUEST);
    const changed = ['crypt_iv_lmk_gen', 'crypt_iv_lmk_post', 'crypt_iv_tcw_gen', 'crypt_iv_elephant'];
    const choice = chooseSuiteTests(
      suites,
      'default',
      [CRYPT, 'drivers/md/dm-log-writes.c'],
      changed.map((n) => fn(CRYPT, n)),
    );
    expect(choice.tests.map((t) => t.id)).toEqual([
      'cryptsetup:loopaes-test',
      'cryptsetup:tcrypt-compat-test',
      'cryptsetup:bitlk-compat-test',
    ]);
    expect(choice.reasons).toContain('cryptsetup:tcrypt-compat-test: crypt_iv_tcw_gen()');
  });

  test('a dm-crypt function no test names: the file-level tests, full-only, so none by default', async () => {
    const suites = await readSuites(GUEST);
    const args = [[CRYPT], [fn(CRYPT, 'crypt_ctr')]] as const;
    expect(chooseSuiteTests(suites, 'default', ...args).tests).toEqual([]);
    expect(chooseSuiteTests(suites, 'full', ...args).tests.map((t) => t.name)).toEqual([
      'loopaes-test',
      'tcrypt-compat-test',
      'bitlk-compat-test',
      'mode-test',
      'compat-test',
    ]);
  });

  test('the md example: the bitmap and raid5 cache tests of mdadm; none', async () => {
    const suites = await readSuites(GUEST);
    const files = ['drivers/md/md-bitmap.c', 'drivers/md/raid5-cache.c'];
    const functions = [fn(files[0]!, 'md_bitmap_file_set_bit'), fn(files[1]!, 'r5c_cache_data')];
    expect(chooseSuiteTests(suites, 'default', files, functions).tests.map((t) => t.id)).toEqual([
      'mdadm:05r1-bitmapfile',
      'mdadm:21raid5cache',
    ]);
    expect(chooseSuiteTests(suites, 'none', files, functions).tests).toEqual([]);
  });

  test('a change no suite reaches runs no suite test', async () => {
    const suites = await readSuites(GUEST);
    expect(chooseSuiteTests(suites, 'full', ['drivers/md/dm-delay.c'], []).tests).toEqual([]);
  });
});
