import { describe, expect, test } from '@jest/globals';
import { runnerProblem } from '../../src/action/runner.js';

describe('the runner check', () => {
  test('Linux with Node 20 or later can run it', () => {
    expect(runnerProblem({ platform: 'linux', node: '20.20.2', runnerOs: 'Linux' })).toBeUndefined();
    expect(runnerProblem({ platform: 'linux', node: '24.1.0' })).toBeUndefined();
  });
  test('macOS and Windows runners get one line saying Linux only', () => {
    expect(runnerProblem({ platform: 'darwin', node: '24.1.0', runnerOs: 'macOS' })).toBe(
      'kernel-patch-ci runs on Linux runners only (this one is macOS): use runs-on: ubuntu-24.04',
    );
    expect(runnerProblem({ platform: 'win32', node: '24.1.0' })).toMatch(/Linux runners only \(this one is win32\)/);
  });
  test('an old Node is named', () => {
    expect(runnerProblem({ platform: 'linux', node: '18.19.0' })).toBe(
      'kernel-patch-ci needs Node 20 or later, this runner has 18.19.0',
    );
    expect(runnerProblem({ platform: 'linux', node: 'weird' })).toMatch(/needs Node 20/);
  });
});
