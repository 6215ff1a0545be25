// ccache for kernel builds: where it keeps its cache, and a pure reader of its per-build stats log.

export interface CcacheSettings {
  dir: string;
  maxSize: string;
  /** Paths under this become relative in ccache's hash, so builds in other out dirs still hit. */
  baseDir: string;
}

/** Add CCACHE_STATSLOG per build phase to count that phase's hits. */
export function ccacheEnv(settings: CcacheSettings): NodeJS.ProcessEnv {
  return {
    CCACHE_DIR: settings.dir,
    CCACHE_MAXSIZE: settings.maxSize,
    CCACHE_BASEDIR: settings.baseDir,
    CCACHE_NOHASHDIR: 'true',
  };
}

export interface CcacheStats {
  hits: number;
  misses: number;
}

/** CCACHE_STATSLOG holds one "# file" block of counters per compiler call; calls ccache cannot cache are skipped. */
export function parseStatsLog(text: string): CcacheStats {
  const stats = { hits: 0, misses: 0 };
  for (const block of text.split(/^# /m).slice(1)) {
    const counters = new Set(
      block
        .split('\n')
        .slice(1)
        .map((l) => l.trim()),
    );
    if (counters.has('direct_cache_hit') || counters.has('preprocessed_cache_hit')) stats.hits++;
    else if (counters.has('cache_miss')) stats.misses++;
  }
  return stats;
}

export function hitRate(stats: CcacheStats): number | undefined {
  const total = stats.hits + stats.misses;
  return total === 0 ? undefined : stats.hits / total;
}
