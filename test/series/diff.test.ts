import { describe, expect, test } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { hunkAt, parseDiff } from '../../src/series/diff.js';
import { EXAMPLE_SERIES, fixture } from '../helpers/fixtures.js';

const examplePatch = (n: number) =>
  fixture('..', '..', 'examples', 'dm-kmap-local', readdirSync(EXAMPLE_SERIES).sort()[n - 1]!);

describe('parseDiff on the example series', () => {
  test('the dm-crypt patch: one file, six hunks, added lines at their new-file line numbers', () => {
    const [file, ...rest] = parseDiff(examplePatch(1));
    expect(rest).toEqual([]);
    expect(file).toMatchObject({ path: 'drivers/md/dm-crypt.c', status: 'modified', binary: false });
    expect(file!.hunks.map((h) => h.oldStart)).toEqual([537, 557, 687, 713, 979, 1007]);
    expect(file!.hunks[0]!.header).toBe(
      '@@ -537,9 +537,9 @@ static int crypt_iv_lmk_gen(struct crypt_config *cc, u8 *iv,',
    );
    expect(file!.hunks[0]!.added).toEqual([540, 542]);
    expect(file!.hunks[0]!.firstOldLine).toBe('\tif (bio_data_dir(dmreq->ctx->bio_in) == WRITE) {');
    expect(file!.hunks[5]!.added).toEqual([1010]);
  });

  test('the dm-log-writes patch: deleted lines shift the later hunk', () => {
    const [file] = parseDiff(examplePatch(2));
    expect(file!.path).toBe('drivers/md/dm-log-writes.c');
    expect(file!.hunks.map((h) => [h.oldStart, h.newStart])).toEqual([
      [231, 231],
      [286, 286],
      [731, 731],
      [743, 742],
    ]);
    expect(file!.hunks[3]!.added).toEqual([745]);
  });

  test('hunkAt finds the hunk git reported as failing', () => {
    const files = parseDiff(examplePatch(1));
    expect(hunkAt(files, 'drivers/md/dm-crypt.c', 713)?.header).toContain('crypt_iv_tcw_post');
    expect(hunkAt(files, 'drivers/md/dm-crypt.c', 715)?.oldStart).toBe(713);
    expect(hunkAt(files, 'drivers/md/other.c', 713)).toBeUndefined();
  });
});

describe('parseDiff on other shapes', () => {
  test('new, deleted, renamed and binary files', () => {
    const text = [
      'diff --git a/drivers/md/new.c b/drivers/md/new.c',
      'new file mode 100644',
      'index 0000000..e69de29',
      '--- /dev/null',
      '+++ b/drivers/md/new.c',
      '@@ -0,0 +1,2 @@',
      '+int a;',
      '+-- not a header',
      'diff --git a/old.txt b/old.txt',
      'deleted file mode 100644',
      'diff --git a/a.c b/b.c',
      'similarity index 90%',
      'rename from a.c',
      'rename to b.c',
      'diff --git a/logo.png b/logo.png',
      'index 1111111..2222222 100644',
      'GIT binary patch',
      'literal 10',
    ].join('\n');
    const files = parseDiff(text);
    expect(files.map((f) => [f.path, f.status, f.binary, f.oldPath])).toEqual([
      ['drivers/md/new.c', 'added', false, undefined],
      ['old.txt', 'deleted', false, undefined],
      ['b.c', 'renamed', false, 'a.c'],
      ['logo.png', 'modified', true, undefined],
    ]);
    expect(files[0]!.hunks[0]!.added).toEqual([1, 2]);
  });

  test('text without a diff has no files', () => {
    expect(parseDiff('just a mail\n\nwith words\n')).toEqual([]);
  });
});
