import { describe, expect, test } from '@jest/globals';
import { hitRate, parseStatsLog } from '../../src/tools/ccache.js';

// Captured from ccache 4.7.5 (Debian 12) with CCACHE_STATSLOG: a miss, a direct hit, a miss.
const log = `# a.c
cache_miss
direct_cache_miss
local_storage_miss
local_storage_read_miss
local_storage_write
preprocessed_cache_miss
# a.c
direct_cache_hit
local_storage_hit
local_storage_read_hit
# b.c
cache_miss
direct_cache_miss
preprocessed_cache_miss
# vmlinux.o
called_for_link
`;

describe('ccache stats log', () => {
  test('hits and misses per compiler call; calls ccache cannot cache are not counted', () => {
    expect(parseStatsLog(log)).toEqual({ hits: 1, misses: 2 });
    expect(hitRate(parseStatsLog(log))).toBeCloseTo(1 / 3);
    expect(hitRate(parseStatsLog(''))).toBeUndefined();
  });
});
