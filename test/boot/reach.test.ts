import { describe, expect, test } from '@jest/globals';
import path from 'node:path';
import { REPO } from '../helpers/fixtures.js';
import { narrowByReach, type LearnedReach } from '../../src/boot/reach.js';
import { chooseScenarios } from '../../src/boot/choose.js';
import { readNotReached, readScenarios } from '../../src/guest/scenarios.js';
import { scenarioMapNote } from '../../src/stages/boot.js';

const BITMAP = 'drivers/md/md-bitmap.c';
const RAID5 = 'drivers/md/raid5-cache.c';
const fn = (file: string, name: string) => ({ file, name });

/** The md example's candidates in the shipped guest, and a map as a learning boot of them would leave it. */
async function mdExample() {
  const changed = [fn(BITMAP, 'md_bitmap_file_set_bit'), fn(BITMAP, 'bitmap_print_sb'), fn(RAID5, 'r5c_cache_data')];
  const all = await readScenarios(path.join(REPO, 'guest'));
  const static_ = chooseScenarios(all, [BITMAP, RAID5], changed);
  const candidates = all.filter((s) => static_.names.includes(s.name));
  const learned: LearnedReach = {
    scenarios: candidates.map((c) => c.name),
    reach: {
      [`${BITMAP}:md_bitmap_file_set_bit`]: ['md-raid1-bitmap'],
      [`${BITMAP}:bitmap_print_sb`]: [],
      [`${BITMAP}:md_bitmap_read_sb`]: ['lvm-raid1', 'md-raid1-bitmap', 'md-raid10'],
      [`${RAID5}:r5c_cache_data`]: ['md-raid5-journal'],
    },
  };
  return { changed, candidates, learned, notReached: await readNotReached(path.join(REPO, 'guest')) };
}

describe('the patched kernel runs the scenarios the base says reach the change (the scenario map)', () => {
  test('the md example cut to the scenarios that entered its changed functions, plus the smoke set', async () => {
    const { changed, candidates, learned, notReached } = await mdExample();
    expect(candidates.map((c) => c.name)).toEqual([
      'crypt-xts-plain64',
      'lvm-linear',
      'lvm-raid1',
      'md-raid1-bitmap',
      'md-raid5-journal',
      'md-raid10',
    ]);
    const choice = narrowByReach(candidates, learned, changed, notReached);
    // bitmap_print_sb is reached by no scenario, for a reason guest/not-reached.tsv gives: it widens nothing
    expect(choice).toEqual({
      names: ['crypt-xts-plain64', 'lvm-linear', 'md-raid1-bitmap', 'md-raid5-journal'],
      reasons: [
        'crypt-xts-plain64: smoke',
        'lvm-linear: smoke',
        'md-raid1-bitmap: md_bitmap_file_set_bit()',
        'md-raid5-journal: r5c_cache_data()',
      ],
    });
    expect(scenarioMapNote({ ran: choice.names, candidates: candidates.length, reasons: choice.reasons })).toBe(
      "the patched kernel ran 4 of 6 scenarios, those the base's scenario map says enter a changed function " +
        '(crypt-xts-plain64: smoke; lvm-linear: smoke; md-raid1-bitmap: md_bitmap_file_set_bit(); ' +
        'md-raid5-journal: r5c_cache_data())',
    );
  });

  test('a changed function no scenario entered, without a known reason: every candidate runs', async () => {
    const { changed, candidates, learned, notReached } = await mdExample();
    const unexplained = { ...learned, reach: { ...learned.reach, [`${RAID5}:r5c_cache_data`]: [] } };
    const choice = narrowByReach(candidates, unexplained, changed, notReached);
    expect(choice.names).toEqual(candidates.map((c) => c.name));
    expect(choice.widened).toBe('no scenario entered r5c_cache_data() on the base kernel');
  });

  test('a function the map does not know (new in the series) keeps every candidate', async () => {
    const { changed, candidates, learned, notReached } = await mdExample();
    const choice = narrowByReach(candidates, learned, [...changed, fn(BITMAP, 'md_bitmap_new_helper')], notReached);
    expect(choice.names).toHaveLength(6);
    expect(choice.widened).toBe(`md_bitmap_new_helper() (${BITMAP}) is not in the map`);
  });

  test('a map learned over other scenarios than these candidates is not used to cut them', async () => {
    const { changed, candidates, learned, notReached } = await mdExample();
    const partial = { ...learned, scenarios: learned.scenarios.filter((s) => s !== 'md-raid10') };
    const choice = narrowByReach(candidates, partial, changed, notReached);
    expect(choice.names).toHaveLength(6);
    expect(choice.widened).toBe('the map was not learned over md-raid10');
  });

  test('the summary notes: a learning boot, and a widened choice', () => {
    expect(scenarioMapNote({ learnedFunctions: 41 })).toBe(
      'scenario map learned (41 functions; the base ran its scenarios one at a time)',
    );
    expect(
      scenarioMapNote({ ran: ['a', 'b'], candidates: 2, reasons: [], widened: 'x() (f.c) is not in the map' }),
    ).toBe('all 2 scenarios ran on the patched kernel: x() (f.c) is not in the map');
    expect(scenarioMapNote(undefined)).toBeUndefined();
  });
});
