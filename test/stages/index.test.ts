import { describe, expect, test } from '@jest/globals';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { STAGES, stagesToRun } from '../../src/stages/index.js';
import { loadHandoff, saveHandoff } from '../../src/stages/handoff-store.js';
import { STAGE_ORDER } from '../../src/results/model.js';

describe('the stage list', () => {
  test('one module per name of the results model, each knowing its own name', () => {
    expect(Object.keys(STAGES)).toEqual([...STAGE_ORDER]);
    for (const name of STAGE_ORDER) expect(STAGES[name].name).toBe(name);
  });

  test('what a stage needs or uses runs first; a --continue step takes what it uses from an earlier step', () => {
    expect(stagesToRun(['readiness', 'checkpatch'])).toEqual(['apply', 'checkpatch', 'readiness']);
    expect(stagesToRun(['boot'])).toEqual(['apply', 'build', 'boot']);
    expect(stagesToRun(['boot'], true)).toEqual(['apply', 'boot']);
    expect(stagesToRun(['apply'])).toEqual(['apply']);
    expect(stagesToRun([...STAGE_ORDER].reverse())).toEqual([...STAGE_ORDER]);
  });
});

describe('hand-ons kept for --continue', () => {
  test(
    "the build step's kernels come back for the same base commit only; " + 'a torn file is as if none was kept',
    async () => {
      const work = await mkdtemp(path.join(os.tmpdir(), 'kpci-handoff-'));
      const built = {
        cells: {
          'x86_64-dm': {
            dir: '/o/artifacts/x86_64-dm',
            buildDir: '/w/build/x86_64-dm',
            patched: { image: '/o/a/bzImage', vmlinux: '/o/a/vmlinux' },
          },
        },
      };
      expect(await loadHandoff(work, 'build', 'abc')).toBeUndefined();
      await saveHandoff(work, 'build', 'abc', built);
      expect(await loadHandoff(work, 'build', 'abc')).toEqual(built);
      expect(await loadHandoff(work, 'build', 'def')).toBeUndefined();
      await mkdir(path.join(work, 'handoffs'), { recursive: true });
      await writeFile(path.join(work, 'handoffs', 'build.json'), '{"baseCommit": "abc", "hand');
      expect(await loadHandoff(work, 'build', 'abc')).toBeUndefined();
    },
  );
});
