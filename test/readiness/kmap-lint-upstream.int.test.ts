// The kmap_local lint's precision, measured on upstream's own reviewed code: every rule over every .c file of both
// trees that calls kmap_local_page(). A match there is a false alarm unless it is a real upstream bug, and then
// it is listed here with the reason. (The fixtures in test/fixtures/kmap-local prove recall.)
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runKmapRules } from '../../src/readiness/kmap-lint.js';
import { TREES, unpackedTree } from '../helpers/trees.js';

/**
 * Real upstream deviations the rules find, per tree. LoongArch's copy_user_highpage() maps `from`, then `to`, and
 * unmaps `from` first: out of LIFO order, against Documentation/mm/highmem.rst. It does no harm only because
 * LoongArch has no HIGHMEM, so kmap_local_page() maps nothing there.
 */
const UPSTREAM_BUGS: Record<string, string[]> = {
  '6.1': ['KMAP_LOCAL_LIFO arch/loongarch/mm/init.c:74 copy_user_highpage'],
  '6.12': ['KMAP_LOCAL_LIFO arch/loongarch/mm/init.c:50 copy_user_highpage'],
};

describe.each(TREES)('the kmap_local rules on upstream linux-source-$version', (t) => {
  test("raise nothing on upstream's kmap_local_page() users but its real bugs", async () => {
    const dir = await unpackedTree(t);
    const files = execFileSync('grep', ['-rl', '--include=*.c', 'kmap_local_page(', '.'], {
      cwd: dir,
      encoding: 'utf8',
    })
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^\.\//, ''))
      .sort();
    const sites = files.reduce(
      (n, f) => n + (readFileSync(path.join(dir, f), 'utf8').match(/\bkmap_local_page\(/g)?.length ?? 0),
      0,
    );
    const matches = await runKmapRules(files, { cwd: dir, timeoutMs: 900_000 });
    expect(matches.map((m) => `${m.type} ${m.file}:${m.line} ${m.function}`).sort()).toEqual(UPSTREAM_BUGS[t.version]);
    expect(sites).toBeGreaterThan(t.version === '6.1' ? 100 : 300);
    console.log(
      `linux-source-${t.version}: ${files.length} files, ${sites} kmap_local_page() sites, ` +
        `${matches.length} matches (all listed upstream bugs)`,
    );
  }, 1_200_000);
});
