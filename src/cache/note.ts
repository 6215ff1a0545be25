// The stage summaries' words for a cell's use of the base cache: one clause, the key shortened, why not on a miss.
import type { BaseCacheUse } from '../results/model.js';

export function baseCacheNote(use: BaseCacheUse): string {
  const key = use.key.slice(0, 18);
  if (use.hit) return `base from cache, key ${key}`;
  const saved = use.saved === undefined ? '' : use.saved === 'saved' ? ', now cached' : `, ${use.saved}`;
  return `base computed (${use.why ?? 'no entry'}${saved}), key ${key}`;
}
