// --previous on the real 6.1 tree with the real git and checkpatch: v1 of the dm example with one line spoiled, then
// v2 (the example as shipped) told what it fixed, with git range-diff of v1 against v2.
import { afterAll, describe, expect, test } from '@jest/globals';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EXAMPLE_SERIES } from '../helpers/fixtures.js';
import { KERNEL_TARBALL, removeOutDirs, runCli, type CliRun } from '../helpers/kernel.js';

const TEN_MINUTES = 600_000;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'kpci-previous-'));
afterAll(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await removeOutDirs();
}, TEN_MINUTES);

/** v1: the example with trailing whitespace on one added line of patch 1 (checkpatch: an error). */
function v1Series(): string {
  const dir = path.join(scratch, 'v1');
  cpSync(EXAMPLE_SERIES, dir, { recursive: true });
  const file = path.join(dir, '0001-dm-crypt-use-kmap_local_page-instead-of-deprecated-k.patch');
  const text = readFileSync(file, 'utf8');
  const spoiled = text.replace(
    '+\t\tsrc = kmap_local_page(sg_page(sg));\n',
    '+\t\tsrc = kmap_local_page(sg_page(sg));  \n',
  );
  expect(spoiled).not.toBe(text);
  writeFileSync(file, spoiled);
  return dir;
}
const vet = (series: string, ...args: string[]) =>
  runCli(['--tree', KERNEL_TARBALL, '--series', series, '--stages', 'checkpatch', ...args]);
let v1: CliRun;

describe('--previous: what changed since the previous version', () => {
  test(
    'v2 against the out dir of v1 (rerun in that same out dir): the fixed finding, nothing new, and range-diff ' +
      'naming the changed patch',
    async () => {
      v1 = await vet(v1Series());
      const v1Findings = v1.results.stages.flatMap((s) => s.findings).map((f) => f.type);
      expect(v1Findings).toContain('TRAILING_WHITESPACE');
      const v2 = await vet(EXAMPLE_SERIES, '--previous', v1.outDir);
      expect(v2.code).toBe(0);
      const prev = v2.results.previous!;
      expect(prev).toMatchObject({ from: `the run in ${v1.outDir}`, findingsKnown: true, added: [], remaining: [] });
      expect(prev.fixed.map((f) => [f.stage, f.type, f.file])).toEqual([
        ['checkpatch', 'TRAILING_WHITESPACE', 'drivers/md/dm-crypt.c'],
      ]);
      // patch 1 changed (!), patch 2 is the same (=)
      const pairs = prev.rangeDiff!.split('\n').filter((l) => /^\d+:\s+[0-9a-f]+ [!=<>] /.test(l));
      expect(pairs.map((l) => l.match(/ ([!=<>]) /)![1])).toEqual(['!', '=']);
      expect(prev.rangeDiff).toMatch(/-\s*\+\t\tsrc = kmap_local_page\(sg_page\(sg\)\); {2}$/m);
      expect(v2.report).toContain('### Since the previous version');
      expect(v2.report).toContain('**1 fixed**, **0 new**, 0 still there.');
      expect(v2.report).toContain('<details><summary>git range-diff</summary>');
    },
    TEN_MINUTES,
  );

  test(
    'v1 against v2 given as patch files: range-diff only (their findings are not known), and the new finding stays ' +
      'in the verdict',
    async () => {
      const again = await vet(v1Series(), '--previous', EXAMPLE_SERIES);
      expect(again.code).toBe(1);
      expect(again.results.previous).toMatchObject({ from: EXAMPLE_SERIES, findingsKnown: false, fixed: [] });
      expect(again.results.previous!.rangeDiff).toMatch(/^1: {2}[0-9a-f]+ ! 1: {2}[0-9a-f]+ dm crypt: /m);
      expect(again.report).toContain('its findings are not known');
    },
    TEN_MINUTES,
  );

  test(
    'a previous version that does not apply to this base: no range-diff, and why, in one line',
    async () => {
      const bad = path.join(scratch, 'bad');
      cpSync(EXAMPLE_SERIES, bad, { recursive: true });
      const file = path.join(bad, '0002-dm-log-writes-use-kmap_local_page-instead-of-depreca.patch');
      // the first context line of the first hunk, changed: the hunk no longer matches the tree
      const text = readFileSync(file, 'utf8');
      const hunk = text.indexOf('\n@@ ');
      const ctx = text.indexOf('\n ', hunk + 1);
      writeFileSync(file, `${text.slice(0, ctx)}\n /* not in the tree */${text.slice(ctx + 2)}`);
      const run = await vet(EXAMPLE_SERIES, '--previous', bad);
      expect(run.code).toBe(0);
      expect(run.results.previous!.rangeDiff).toBeUndefined();
      expect(run.results.previous!.rangeDiffWhy).toMatch(
        /^patch 2 of the previous version does not apply to this base \(error: patch failed: /,
      );
    },
    TEN_MINUTES,
  );
});
