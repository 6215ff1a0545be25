// The suites' disk for real: the Debian sources of the guest's cryptsetup and mdadm downloaded through a deb-src
// twin of the host's package sources, unpacked, and packed with the guest's packages into an ext4 image, which
// debugfs (e2fsprogs) then reads back. A source that cannot be downloaded is one clear error.
import { afterAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO } from '../helpers/fixtures.js';
import { TEST_CACHE } from '../helpers/kernel.js';
import { buildSuiteDisk } from '../../src/guest/suite-disk.js';
import { readSuites } from '../../src/guest/suites.js';
import { RunError } from '../../src/errors.js';

const MINUTE = 60_000;
const GUEST = path.join(REPO, 'guest');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'kpci-suite-disk-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** debugfs's listing of a directory of the image (names only). */
const ls = (image: string, dir: string) =>
  execFileSync('debugfs', ['-R', `ls -l ${dir}`, image], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    .split('\n')
    .map((l) => l.trim().split(/\s+/).at(-1) ?? '')
    .filter(Boolean);
const cat = (image: string, file: string) =>
  execFileSync('debugfs', ['-R', `cat ${file}`, image], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });

describe('the suites disk', () => {
  test(
    'i386: both suites at the guest binaries versions, their tests, the runner and the image subsets',
    async () => {
      const suites = await readSuites(GUEST);
      expect(suites.map((s) => s.name)).toEqual(['cryptsetup', 'mdadm']);
      const disk = await buildSuiteDisk({ guestDir: GUEST, arch: 'i386', cacheDir: TEST_CACHE, suites });
      expect(disk.sources.map((s) => s.binary)).toEqual(['cryptsetup-bin', 'mdadm']);
      expect(disk.sources.every((s) => /^\S+$/.test(s.version))).toBe(true);
      expect(ls(disk.file, '/kpci-suite/cryptsetup/src/tests')).toEqual(
        expect.arrayContaining(['loopaes-test', 'tcrypt-compat-test', 'bitlk-compat-test', 'tcrypt-images.tar.xz']),
      );
      expect(ls(disk.file, '/kpci-suite/mdadm/src')).toEqual(expect.arrayContaining(['test', 'tests']));
      expect(ls(disk.file, '/bin')).toEqual(expect.arrayContaining(['bash']));
      expect(cat(disk.file, '/etc/passwd')).toMatch(/^root:x:0:0:/);
      // the default selection's TrueCrypt images: only the CBC ones, which dm-crypt opens with the tcw IV
      const subset = path.join(scratch, 'tcrypt.tar.xz');
      execFileSync('debugfs', [
        '-R',
        `dump /kpci-suite/cryptsetup/subsets/tcrypt-compat-test/tcrypt-images.tar.xz ${subset}`,
        disk.file,
      ]);
      const members = execFileSync('tar', ['-tJf', subset], { encoding: 'utf8' }).split('\n').filter(Boolean);
      expect(members.filter((m) => /\/t?[tv]c_/.test(m)).every((m) => /-cbc-/.test(m))).toBe(true);
      expect(members).toEqual(expect.arrayContaining(['tcrypt-images/tc_1-sha1-cbc-aes']));
      // cached by what it is made of: the second build is the same file
      const again = await buildSuiteDisk({ guestDir: GUEST, arch: 'i386', cacheDir: TEST_CACHE, suites });
      expect(again).toMatchObject({ file: disk.file, cached: true });
      expect(statSync(disk.file).size).toBeGreaterThan(1024 * 1024 * 1024);
    },
    15 * MINUTE,
  );

  test(
    'a suite whose source package cannot be downloaded (its archive unreachable) is one error naming it',
    async () => {
      const sources = path.join(scratch, 'sources.list.d');
      mkdirSync(sources, { recursive: true });
      // port 9 (discard) refuses at once on the loopback: the archive is down
      writeFileSync(path.join(sources, 'down.list'), 'deb http://127.0.0.1:9/debian bookworm main\n');
      const suites = (await readSuites(GUEST)).filter((s) => s.name === 'mdadm');
      const cacheDir = path.join(scratch, 'cache');
      const error = await buildSuiteDisk({ guestDir: GUEST, arch: 'x86_64', cacheDir, suites, aptSources: [sources] })
        .then(() => undefined)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RunError);
      expect((error as Error).message).toMatch(/^cannot download the Debian source of mdadm=\S+: /);
      expect((error as Error).message.split('\n')).toHaveLength(1);
    },
    10 * MINUTE,
  );
});
