import { describe, expect, test } from '@jest/globals';
import { stepArguments } from '../../src/action/main.js';
import { parseRunArgs } from '../../src/settings.js';

describe('one step per stage', () => {
  const argv = ['--tree', 't.tar.xz', '--series', 's', '--configs', 'i386-highmem', '--out', 'o'];
  test('the config matrix goes to the steps that build and boot it, not to the others', () => {
    expect(stepArguments(argv, 'checkpatch')).toEqual(['--tree', 't.tar.xz', '--series', 's', '--out', 'o']);
    expect(stepArguments(argv, 'build')).toEqual(argv);
    expect(stepArguments(argv, 'boot')).toEqual(argv);
  });
  test('each step parses: the boot step boots what the build step built, for the same matrix', () => {
    for (const stage of ['apply', 'checkpatch', 'sparse', 'build', 'boot', 'readiness']) {
      const s = parseRunArgs([...stepArguments(argv, stage), '--stages', stage, '--continue']);
      expect(s.stages).toEqual(stage === 'apply' ? ['apply'] : ['apply', stage]);
      expect(s.configs).toEqual(
        stage === 'build' || stage === 'boot' ? ['i386-highmem'] : ['x86_64-dm', 'i386-highmem'],
      );
    }
  });
});
