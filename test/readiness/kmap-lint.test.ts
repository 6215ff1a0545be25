import { describe, expect, test } from '@jest/globals';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { countDeprecated, keepChanged, RULES_DIR, runKmapRules } from '../../src/readiness/kmap-lint.js';
import { parseSpatchMatches } from '../../src/tools/spatch.js';
import { FIXTURES } from '../helpers/fixtures.js';

describe('deprecated-API count', () => {
  test('calls only: not comments, strings or other names', () => {
    const src =
      'a = kmap_atomic(p);\n/* kmap(p) */ // kunmap(p)\npr_info("kunmap_atomic(x)");\n' +
      'kmap_local_page(p); kunmap_atomic (a); kmap(q); kunmap(q);\nmy_kmap(p);\n';
    expect(countDeprecated(src)).toBe(4);
  });
});

describe('the Coccinelle rules in lint/kmap-local/, run by the real spatch', () => {
  // test/fixtures/kmap-local/rules.c has one function per mistake, plus correct ones (*_ok) shaped like upstream code
  test('each rule finds its mistakes and nothing in the correct functions', async () => {
    const rules = (await readdir(RULES_DIR)).filter((n) => n.endsWith('.cocci')).sort();
    expect(rules).toEqual([
      'escapes.cocci',
      'lifo-order.cocci',
      'percpu.cocci',
      'unmap-page.cocci',
      'wrong-unmap.cocci',
    ]);
    const found = (await runKmapRules(['rules.c'], { cwd: path.join(FIXTURES, 'kmap-local'), timeoutMs: 120_000 })).map(
      (m) => [m.type, m.line, m.function],
    );
    expect(found.sort((a, b) => (a[1] as number) - (b[1] as number))).toEqual([
      ['KMAP_LOCAL_WRONG_UNMAP', 13, 'wrong_unmap'],
      ['KMAP_LOCAL_WRONG_UNMAP', 20, 'wrong_unmap2'],
      ['KMAP_LOCAL_UNMAP_PAGE', 27, 'page_unmap'],
      ['KMAP_LOCAL_UNMAP_PAGE', 33, 'page_unmap2'],
      ['KMAP_LOCAL_LIFO', 41, 'lifo'],
      ['KMAP_LOCAL_ESCAPES', 56, 'store'], // the address stored, then a work item queued while mapped
      ['KMAP_LOCAL_PERCPU', 63, 'percpu'],
      ['KMAP_LOCAL_ESCAPES', 79, 'a1'], // a scatterlist over the mapping
      ['KMAP_LOCAL_ESCAPES', 85, 'a2'], // the address handed to a new thread
      ['KMAP_LOCAL_ESCAPES', 91, 'cast_store'], // a cast of the address stored, then a completion signalled
    ]);
  }, 120_000);

  test('matches are kept only in changed functions, and tied to the one patch that changed them', () => {
    const matches = parseSpatchMatches(
      'noise\nKMAP_LOCAL_LIFO|drivers/md/dm-crypt.c|1017|crypt_iv_elephant\n' +
        'KMAP_LOCAL_LIFO|drivers/md/dm-crypt.c|50|untouched\n',
    );
    const findings = keepChanged(matches, 'drivers/md/dm-crypt.c', [
      { file: 'drivers/md/dm-crypt.c', name: 'crypt_iv_elephant', lines: [980], patches: [3] },
    ]);
    expect(findings.map((f) => [f.type, f.line, f.patch, f.severity])).toEqual([['KMAP_LOCAL_LIFO', 1017, 3, 'error']]);
    expect(findings[0]!.message).toMatch(/released out of order.*\(in crypt_iv_elephant\(\)\)$/);
  });
});
