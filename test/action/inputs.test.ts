import { describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { artifactName, cliArguments, expandGlob, readActionInputs } from '../../src/action/inputs.js';

const ws = mkdtempSync(path.join(os.tmpdir(), 'kpci-inputs-'));
mkdirSync(path.join(ws, 'patches', 'v2'), { recursive: true });
for (const f of ['patches/0002-b.patch', 'patches/0001-a.patch', 'patches/notes.txt', 'patches/v2/0001-c.patch'])
  writeFileSync(path.join(ws, f), '');

describe('action inputs', () => {
  test(
    'composite-step env becomes settings and CLI arguments, ' +
      'globs expanded in the workspace, empty inputs left out',
    async () => {
      const s = await readActionInputs({
        GITHUB_WORKSPACE: ws,
        RUNNER_TEMP: '/tmp/r',
        HOME: '/home/u',
        KPCI_TREE: 'https://example.invalid/linux.git',
        KPCI_REF: '',
        KPCI_SERIES: 'patches/*.patch\n\n patches/**/0001-*.patch \n',
        KPCI_FAIL_ON: 'error',
        KPCI_CONFIGS: 'x86_64-dm',
        KPCI_COMMENT: 'new',
        GITHUB_REPOSITORY: 'o/r',
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_RUN_ID: '42',
      });
      expect(s).toMatchObject({
        comment: 'new',
        commentOnPush: 'off',
        outDir: '/tmp/r/kernel-patch-ci',
        cacheDir: '/home/u/.cache/kernel-patch-ci',
        repository: { owner: 'o', repo: 'r' },
        runUrl: 'https://github.com/o/r/actions/runs/42',
      });
      expect(cliArguments(s, s.series)).toEqual([
        '--tree',
        'https://example.invalid/linux.git',
        '--series',
        `${ws}/patches/0001-a.patch`,
        '--series',
        `${ws}/patches/0002-b.patch`,
        '--series',
        `${ws}/patches/0001-a.patch`,
        '--series',
        `${ws}/patches/v2/0001-c.patch`,
        '--configs',
        'x86_64-dm',
        '--fail-on',
        'error',
        '--out',
        '/tmp/r/kernel-patch-ci',
        '--cache-dir',
        '/home/u/.cache/kernel-patch-ci',
      ]);
    },
  );

  test('tree "." is the workspace; BASE..HEAD passes through', async () => {
    const s = await readActionInputs({ GITHUB_WORKSPACE: ws, KPCI_TREE: '.', KPCI_SERIES: 'v6.1..HEAD' });
    expect(s.tree).toBe(ws);
    expect(s.series).toEqual(['v6.1..HEAD']);
  });

  test('bad inputs are one-line usage errors', async () => {
    await expect(readActionInputs({ GITHUB_WORKSPACE: ws, KPCI_COMMENT: 'loud' })).rejects.toThrow(
      /^input comment must be one of sticky, new, off, not "loud"$/,
    );
    await expect(readActionInputs({ GITHUB_WORKSPACE: ws, KPCI_COMMENT_ON_PUSH: 'yes' })).rejects.toThrow(
      /^input comment-on-push must be one of commit, off/,
    );
    await expect(readActionInputs({ GITHUB_WORKSPACE: ws, KPCI_SERIES: 'nothing/*.patch' })).rejects.toThrow(
      /^input series: nothing matches "nothing\/\*\.patch"/,
    );
  });

  test('globs: *, ? and ** as a shell would, hidden files left out', async () => {
    expect(await expandGlob('patches/000?-*.patch', ws)).toEqual([
      `${ws}/patches/0001-a.patch`,
      `${ws}/patches/0002-b.patch`,
    ]);
    expect(await expandGlob('**/*.txt', ws)).toEqual([`${ws}/patches/notes.txt`]);
    expect(await expandGlob('patches', ws)).toEqual([`${ws}/patches`]);
  });
});

describe('artifact names', () => {
  test("a fragment path's slashes and the characters upload-artifact refuses become _", () => {
    expect(artifactName({})).toBe('kernel-patch-ci');
    expect(artifactName({ KPCI_CONFIGS: 'i386-highmem' })).toBe('kernel-patch-ci-i386-highmem');
    expect(artifactName({ KPCI_CONFIGS: 'configs/my dm.config, x86_64-dm', KPCI_STAGES: 'build,boot' })).toBe(
      'kernel-patch-ci-configs_my dm.config+x86_64-dm-build+boot',
    );
    expect(artifactName({ KPCI_CONFIGS: 'a:b<c>d|e*f?g"h\\i' })).toBe('kernel-patch-ci-a_b_c_d_e_f_g_h_i');
  });
});
