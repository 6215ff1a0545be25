// The stage summaries' words for a cell's use of the base cache: one clause, the key shortened, why not on a miss.
import type { BaseCacheUse } from '../results/model.js';

export function baseCacheNote(use: BaseCacheUse): string {
  const key = use.key.replace(/^(\w+-[0-9a-f]{12}).*$/, '$1');
  if (use.hit) return `base from cache, key ${key}`;
  const saved = use.saved === undefined ? '' : use.saved === 'saved' ? ', now cached' : `, ${use.saved}`;
  return `base computed (${use.why ?? 'no entry'}${saved}), key ${key}`;
}
