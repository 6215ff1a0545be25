// The build stage's checks that run before any make, on real trees.
import { afterAll, describe, expect, test } from '@jest/globals';
import { rm } from 'node:fs/promises';
import { EXAMPLE_SERIES } from '../helpers/fixtures.js';
import { removeOutDirs, runCli, stage } from '../helpers/kernel.js';
import { treeDressedAs419 } from '../helpers/trees.js';

const TEN_MINUTES = 600_000;
afterAll(removeOutDirs, TEN_MINUTES);

describe('a tree no shipped config fits', () => {
  test(
    'a 4.19 tree: exit 2, one line naming the symbols it lacks, results written, nothing built',
    async () => {
      const dir = await treeDressedAs419();
      const run = await runCli(['--tree', dir, '--stages', 'build', '--series', EXAMPLE_SERIES]);
      await rm(dir, { recursive: true, force: true });
      expect(run.code).toBe(2);
      const reason =
        'build: no shipped config fits this tree (linux 4.19.0): ' +
        'x86_64-dm.config asks for CONFIG_CRYPTO_ESSIV, CONFIG_DM_EBS; ' +
        'i386-highmem.config asks for CONFIG_CRYPTO_ESSIV, CONFIG_DEBUG_KMAP_LOCAL, ' +
        'CONFIG_DEBUG_KMAP_LOCAL_FORCE_MAP, which it does not define; give fragments of your own with --configs';
      expect(run.results.reason).toBe(reason);
      expect(run.stderr.at(-1)).toBe(`kernel-patch-ci: ${reason}`);
      expect(stage(run, 'build')!.status).toBe('error');
      expect(stage(run, 'build')!.cells).toBeUndefined(); // no cell was configured or built
    },
    TEN_MINUTES,
  );
});
