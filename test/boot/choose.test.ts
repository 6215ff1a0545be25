import { describe, expect, test } from '@jest/globals';
import path from 'node:path';
import { REPO } from '../helpers/fixtures.js';
import { chooseScenarios } from '../../src/boot/choose.js';
import { readScenarios } from '../../src/guest/scenarios.js';

const shipped = () => readScenarios(path.join(REPO, 'guest'));
const fns = (file: string, ...names: string[]) => names.map((name) => ({ file, name }));

describe('the scenarios a series needs (the shipped guest)', () => {
  test('the dm example: each IV generator its own crypt table, log-writes, and the smoke set', async () => {
    const choice = chooseScenarios(
      await shipped(),
      ['drivers/md/dm-crypt.c', 'drivers/md/dm-log-writes.c'],
      [
        ...fns(
          'drivers/md/dm-crypt.c',
          'crypt_iv_lmk_gen',
          'crypt_iv_lmk_post',
          'crypt_iv_tcw_gen',
          'crypt_iv_tcw_post',
          'crypt_iv_elephant',
        ),
        ...fns('drivers/md/dm-log-writes.c', 'log_writes_map', 'write_metadata', 'write_inline_data'),
      ],
    );
    expect(choice.names).toEqual([
      'crypt-lmk',
      'crypt-tcw',
      'crypt-elephant',
      'crypt-xts-plain64',
      'log-writes',
      'lvm-linear',
    ]);
    expect(choice.reasons).toEqual([
      'crypt-lmk: crypt_iv_lmk_gen(), crypt_iv_lmk_post()',
      'crypt-tcw: crypt_iv_tcw_gen(), crypt_iv_tcw_post()',
      'crypt-elephant: crypt_iv_elephant()',
      'crypt-xts-plain64: smoke',
      'log-writes: log_writes_map(), write_metadata(), write_inline_data()',
      'lvm-linear: smoke',
    ]);
    expect(choice.unreached).toEqual([]);
  });

  test('the md example: the md arrays, the dm-raid LVs, and the smoke set', async () => {
    const choice = chooseScenarios(
      await shipped(),
      ['drivers/md/md-bitmap.c', 'drivers/md/raid5-cache.c'],
      [
        ...fns(
          'drivers/md/md-bitmap.c',
          'bitmap_update_sb',
          'md_bitmap_new_disk_sb',
          'md_bitmap_read_sb',
          'md_bitmap_file_set_bit',
        ),
        ...fns('drivers/md/raid5-cache.c', 'r5l_write_stripe', 'r5c_cache_data'),
      ],
    );
    expect(choice.names).toEqual([
      'crypt-xts-plain64',
      'lvm-linear',
      'lvm-raid1',
      'md-raid1-bitmap',
      'md-raid5-journal',
      'md-raid10',
    ]);
    // only dm-raid makes md write a new bitmap superblock
    expect(choice.reasons).toContain(
      'lvm-raid1: bitmap_update_sb(), md_bitmap_new_disk_sb(), md_bitmap_read_sb(), md_bitmap_file_set_bit()',
    );
    expect(choice.reasons).toContain(
      'md-raid1-bitmap: bitmap_update_sb(), md_bitmap_read_sb(), md_bitmap_file_set_bit()',
    );
    expect(choice.reasons).toContain('md-raid5-journal: r5l_write_stripe(), r5c_cache_data()');
  });

  test('a function one scenario names goes to it alone; a header goes to every scenario of its file', async () => {
    expect(
      chooseScenarios(
        await shipped(),
        ['drivers/md/md-bitmap.c'],
        fns('drivers/md/md-bitmap.c', 'md_bitmap_new_disk_sb'),
      ).names,
    ).toEqual(['crypt-xts-plain64', 'lvm-linear', 'lvm-raid1']);
    expect(
      chooseScenarios(await shipped(), ['drivers/md/dm-crypt.c'], fns('drivers/md/dm-crypt.c', 'crypt_convert')).names,
    ).toEqual(['crypt-lmk', 'crypt-tcw', 'crypt-elephant', 'crypt-xts-plain64', 'lvm-linear']);
    expect(chooseScenarios(await shipped(), ['drivers/md/md-bitmap.h'], []).names).toEqual([
      'crypt-xts-plain64',
      'lvm-linear',
      'lvm-raid1',
      'md-raid1-bitmap',
      'md-raid10',
    ]);
  });

  test('a file no scenario reaches: the smoke set, and the file named', async () => {
    const choice = chooseScenarios(
      await shipped(),
      ['kernel/power/snapshot.c'],
      fns('kernel/power/snapshot.c', 'swap_two_pages_data'),
    );
    expect(choice.names).toEqual(['crypt-xts-plain64', 'lvm-linear']);
    expect(choice.unreached).toEqual(['kernel/power/snapshot.c']);
  });
});
