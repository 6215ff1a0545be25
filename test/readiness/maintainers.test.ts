import { describe, expect, test } from '@jest/globals';
import {
  destinationTrees,
  fileHome,
  sameTree,
  splitRecipients,
  treeFindings,
} from '../../src/readiness/maintainers.js';
import { parseAddresses, parseSections } from '../../src/tools/get-maintainer.js';
import type { Patch } from '../../src/series/intake.js';
import { fixture } from '../helpers/fixtures.js';

// captured from 6.1's scripts/get_maintainer.pl --no-git --no-git-fallback (see test/fixtures/get-maintainer/)
const seriesOutput = fixture('get-maintainer', 'dm-and-md-series.txt');
const patchOf = (index: number, file: string) => ({ index, files: [{ path: file }] }) as unknown as Patch;

describe('get_maintainer.pl output', () => {
  test('addresses with their roles; section names with parentheses stay whole', () => {
    const a = parseAddresses(seriesOutput);
    expect(a.map((x) => x.address)).toEqual([
      'Alasdair Kergon <agk@redhat.com>',
      'Mike Snitzer <snitzer@kernel.org>',
      'dm-devel@redhat.com',
      'Song Liu <song@kernel.org>',
      'linux-kernel@vger.kernel.org',
      'linux-raid@vger.kernel.org',
    ]);
    expect(a[0]!.roles).toEqual(['maintainer:DEVICE-MAPPER  (LVM)']);
    expect(a[5]!.roles).toEqual(['open list:SOFTWARE RAID (Multiple Disks) SUPPORT']);
  });
  test('people go in To; lists, and list addresses named as maintainers (dm-devel), in Cc', () => {
    expect(splitRecipients(parseAddresses(seriesOutput))).toEqual({
      to: ['Alasdair Kergon <agk@redhat.com>', 'Mike Snitzer <snitzer@kernel.org>', 'Song Liu <song@kernel.org>'],
      cc: ['dm-devel@redhat.com', 'linux-kernel@vger.kernel.org', 'linux-raid@vger.kernel.org'],
    });
  });
  test('--sections: each section with its T: git trees', () => {
    const s = parseSections(fixture('get-maintainer', 'sections-dm-crypt.txt'));
    expect(s.map((x) => [x.name, x.gitTrees])).toEqual([
      ['DEVICE-MAPPER  (LVM)', ['git://git.kernel.org/pub/scm/linux/kernel/git/device-mapper/linux-dm.git']],
      ['THE REST', ['git://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git']],
    ]);
    expect(s[0]!.fields.L).toEqual(['dm-devel@redhat.com']);
  });
});

describe('which tree a file belongs to', () => {
  const dmCrypt = fileHome('drivers/md/dm-crypt.c', parseSections(fixture('get-maintainer', 'sections-dm-crypt.txt')));
  const mdBitmap = fileHome(
    'drivers/md/md-bitmap.c',
    parseSections(fixture('get-maintainer', 'sections-md-bitmap.txt')),
  );
  const linuxDm = 'https://git.kernel.org/pub/scm/linux/kernel/git/device-mapper/linux-dm.git';

  test('tree URLs compare across schemes and the .git suffix', () => {
    expect(
      sameTree(
        'git://git.kernel.org/pub/scm/linux/kernel/git/device-mapper/linux-dm.git',
        'https://git.kernel.org/pub/scm/linux/kernel/git/device-mapper/linux-dm',
      ),
    ).toBe(true);
    expect(sameTree('git@github.com:a/b.git', 'https://github.com/a/b')).toBe(true);
    expect(sameTree('git://git.kernel.org/pub/scm/linux/kernel/git/song/md.git', linuxDm)).toBe(false);
  });
  test('dm files belong to linux-dm; an md file does not, and a dm+md series spans two areas', () => {
    expect(treeFindings([dmCrypt], linuxDm, [patchOf(1, dmCrypt.file)])).toEqual([]);
    const findings = treeFindings([dmCrypt, mdBitmap], linuxDm, [patchOf(1, dmCrypt.file), patchOf(2, mdBitmap.file)]);
    expect(findings.map((f) => [f.type, f.file, f.patch])).toEqual([
      ['NOT_FOR_THIS_TREE', 'drivers/md/md-bitmap.c', 2],
      ['SPANS_MAINTAINERS', undefined, undefined],
    ]);
    // against md's own tree it is the dm file that is foreign
    const md = treeFindings([dmCrypt, mdBitmap], 'git://git.kernel.org/pub/scm/linux/kernel/git/song/md.git', [
      patchOf(1, dmCrypt.file),
      patchOf(2, mdBitmap.file),
    ]);
    expect(md.map((f) => f.file)).toEqual(['drivers/md/dm-crypt.c', undefined]);
    // mainline takes everything (THE REST names it for every file)
    expect(
      treeFindings([mdBitmap], 'git://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git', [
        patchOf(1, mdBitmap.file),
      ]),
    ).toEqual([]);
  });
  test("where to send: the tree of the files' own section, not mainline; none when no section covers them all", () => {
    expect(destinationTrees([dmCrypt])).toEqual([
      'git://git.kernel.org/pub/scm/linux/kernel/git/device-mapper/linux-dm.git',
    ]);
    expect(destinationTrees([mdBitmap])).toEqual(['git://git.kernel.org/pub/scm/linux/kernel/git/song/md.git']);
    expect(destinationTrees([dmCrypt, mdBitmap])).toEqual([]);
  });
  test(
    'a tree under test that is not known (a tarball, a directory) flags no file; ' + 'a split series is still flagged',
    () => {
      expect(treeFindings([mdBitmap], undefined, [patchOf(1, mdBitmap.file)])).toEqual([]);
      expect(
        treeFindings([dmCrypt, mdBitmap], undefined, [patchOf(1, dmCrypt.file), patchOf(2, mdBitmap.file)]).map(
          (f) => f.type,
        ),
      ).toEqual(['SPANS_MAINTAINERS']);
    },
  );
});
