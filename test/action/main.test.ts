import { describe, expect, test } from '@jest/globals';
import { argvFromEnv } from '../../src/action/main.js';

describe('argvFromEnv', () => {
  test('composite-step env becomes the CLI arguments, one --series per line, empty inputs left out', () => {
    expect(argvFromEnv({ KPCI_TREE: 'https://example.invalid/linux.git', KPCI_REF: '', KPCI_SERIES: 'a.patch\n\n patches/ \n', KPCI_FAIL_ON: 'error', RUNNER_TEMP: '/tmp/r' })).toEqual([
      'run', '--tree', 'https://example.invalid/linux.git', '--series', 'a.patch', '--series', 'patches/', '--fail-on', 'error', '--out', '/tmp/r/kernel-patch-ci',
    ]);
  });
});
