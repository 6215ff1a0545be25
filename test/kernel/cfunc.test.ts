import { describe, expect, test } from '@jest/globals';
import { enclosingFunction } from '../../src/kernel/cfunc.js';

// Shapes from drivers/md/dm-snap.c and dm-crypt.c in 6.1.
const source = `#define DM_MSG_PREFIX "snapshots"

static struct kmem_cache *exception_cache;

static const struct dm_target_ops ops = {
	.name = "snapshot",
};

static void dm_exception_table_lock(struct dm_exception_table_lock *lock)
{
	spin_lock_nested(lock->complete_slot, 1);
	spin_lock_nested(lock->pending_slot, 2);
}

static int crypt_iv_lmk_gen(struct crypt_config *cc, u8 *iv,
			    struct dm_crypt_request *dmreq)
{
	struct scatterlist *sg;
	if (x) {
		src = kmap_local_page(sg_page(sg));
	}
	return r;
}
`;
const lineOf = (text: string) => source.split('\n').findIndex((l) => l.includes(text)) + 1;

describe('enclosingFunction', () => {
  test('a line inside a body names its function, even with a multi-line declarator', () => {
    expect(enclosingFunction(source, lineOf('pending_slot'))).toBe('dm_exception_table_lock');
    expect(enclosingFunction(source, lineOf('kmap_local_page'))).toBe('crypt_iv_lmk_gen');
    expect(enclosingFunction(source, lineOf('return r'))).toBe('crypt_iv_lmk_gen');
  });

  test('file scope, struct initialisers and lines past the end are not functions', () => {
    expect(enclosingFunction(source, lineOf('kmem_cache *exception_cache'))).toBeUndefined();
    expect(enclosingFunction(source, lineOf('.name = "snapshot"'))).toBeUndefined();
    expect(enclosingFunction(source, lineOf('static int crypt_iv_lmk_gen') - 1)).toBeUndefined();
  });
});
