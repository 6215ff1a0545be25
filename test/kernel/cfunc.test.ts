import { describe, expect, test } from '@jest/globals';
import { declaredName, enclosingFunction } from '../../src/kernel/cfunc.js';

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

// Shapes met in 6.1 and 6.12 (the integration test runs the finder on every function of both trees).
describe('declaredName', () => {
  test.each([
    ['static void md_bitmap_file_set_bit(struct bitmap *bitmap, sector_t block)', 'md_bitmap_file_set_bit'],
    ['static int __init dm_init(void)', 'dm_init'],
    ['__printf(2, 3)\nbool bch_cache_set_error(struct cache_set *c, const char *fmt, ...)', 'bch_cache_set_error'],
    ['static inline void PRINTF(5, 6) check_msg(struct check *c, struct dt_info *dti)', 'check_msg'],
    [
      'static void nv_do_stats_poll(struct timer_list *t)\n\t__acquires(&netdev_priv(dev)->hwstats_lock)',
      'nv_do_stats_poll',
    ],
    ['static void array_insert(void *base, size_t elt_size)\n\t__dm_written_to_disk(elt)', 'array_insert'],
    [
      'void __releases(nic_access)\niwl_trans_release_nic_access(struct iwl_trans *trans)',
      'iwl_trans_release_nic_access',
    ],
    ['SEC("xdp")\nint BPF_PROG(xdp_prog, struct xdp_md *ctx)', 'BPF_PROG'],
    ['static inline void (*ctor(int shift))(void *)', 'ctor'],
    [
      'static const u16\n(*vc5_hdmi_find_yuv_csc_coeffs(struct vc4_hdmi *vc4_hdmi, u32 colorspace))[4]',
      'vc5_hdmi_find_yuv_csc_coeffs',
    ],
    ['static u_int\ndecode_06(ir,fpregs)', 'decode_06'],
    ['static struct dm_target_type crypt_target =', undefined],
    ['struct dm_crypt_io', undefined],
  ])('%s', (header, name) => {
    expect(declaredName(header)).toBe(name);
  });
});

describe('enclosingFunction around comments, #ifdefs and macros', () => {
  const file = [
    'STORE_LOCKED(bch_cache_set)', // 1: a macro invocation with no ;
    '',
    '/*',
    ' * set the bit (too) for the stripe',
    ' */',
    'static void md_bitmap_file_set_bit(struct bitmap *bitmap, sector_t block)', // 6
    '{',
    '\tkaddr = kmap_local_page(page);', // 8
    '}',
    '#ifdef CONFIG_PPC64',
    'COMPAT_SYSCALL_DEFINE0(rt_sigreturn)',
    '#else',
    'SYSCALL_DEFINE0(rt_sigreturn)',
    '#endif',
    '{',
    '\treturn 0;', // 16
    '}',
    '#define GEN(name) \\',
    'static void name(void) \\',
    '{ \\',
    '\tdo_it(); \\', // 21
    '}',
  ].join('\n');
  test('the comment block above a declarator is not part of its name', () => {
    expect(enclosingFunction(file, 8)).toBe('md_bitmap_file_set_bit');
  });
  test('a declarator written twice under #ifdef reads as its first variant', () => {
    expect(enclosingFunction(file, 16)).toBe('COMPAT_SYSCALL_DEFINE0');
  });
  test('a body inside a #define is no function', () => {
    expect(enclosingFunction(file, 21)).toBeUndefined();
  });
});
