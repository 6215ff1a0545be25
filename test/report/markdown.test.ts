import { describe, expect, test } from '@jest/globals';
import { renderMarkdown } from '../../src/report/markdown.js';
import type { Results } from '../../src/results/model.js';

const results: Results = {
  schemaVersion: 1,
  tool: { name: 'kernel-patch-ci', version: '0.1.0' },
  verdict: 'fail',
  reason: 'sparse: 1 file checked: 1 new, 0 fixed, 2 pre-existing',
  tree: { source: '/usr/src/linux-source-6.1.tar.xz', baseCommit: '536389a239a1b2306d94b7cbcd055a6683a28dee' },
  series: [
    { index: 1, subject: 'dm snapshot: add a helper | pipe', author: 'A <a@b>', files: ['drivers/md/dm-snap.c'] },
  ],
  stages: [
    { name: 'apply', status: 'pass', durationMs: 200, summary: '1 patch applied', findings: [] },
    {
      name: 'build',
      status: 'fail',
      durationMs: 61000,
      summary: "i386-highmem: build failed: undefined reference to `__udivdi3'",
      cells: [
        { config: 'x86_64-dm', status: 'pass', durationMs: 22748, summary: '0 new, 0 fixed, 0 pre-existing warnings' },
        {
          config: 'i386-highmem',
          status: 'fail',
          durationMs: 17408,
          summary: "build failed: undefined reference to `__udivdi3'",
        },
      ],
      findings: [
        {
          tool: 'kbuild',
          severity: 'error',
          type: 'LINK_ERROR',
          message: "undefined reference to `__udivdi3' in delay_ctr()",
          file: 'drivers/md/dm-delay.c',
          config: 'i386-highmem',
          patch: 1,
          new: true,
        },
      ],
    },
    {
      name: 'sparse',
      status: 'fail',
      durationMs: 12500,
      summary: '1 new, 2 pre-existing',
      findings: [
        {
          tool: 'sparse',
          severity: 'warning',
          type: 'SPARSE',
          message: "symbol 'x' was not declared",
          file: 'drivers/md/dm-snap.c',
          line: 238,
          patch: 1,
          new: true,
        },
        {
          tool: 'sparse',
          severity: 'warning',
          type: 'SPARSE',
          message: 'context imbalance',
          file: 'drivers/md/dm-snap.c',
          line: 649,
          new: false,
        },
      ],
    },
  ],
};

describe('renderMarkdown', () => {
  const md = renderMarkdown(results);
  test('the verdict comes first, then the reason', () => {
    expect(md.split('\n')[0]).toBe('## kernel-patch-ci: ❌ FAIL');
    expect(md.indexOf('**sparse: 1 file checked')).toBeLessThan(md.indexOf('| stage |'));
  });
  test('a table row per stage with its time; table cells escape pipes', () => {
    expect(md).toContain('| sparse | ❌ fail | 12.5 s | 1 new, 2 pre-existing |');
    expect(md).toContain('dm snapshot: add a helper \\| pipe');
  });
  test('a build stage has a row per config cell, and its findings name their cell', () => {
    expect(md).toContain('| config | status | time | summary |');
    expect(md).toContain("| i386-highmem | fail | 17.4 s | build failed: undefined reference to `__udivdi3' |");
    expect(md).toContain(
      '- **error** `LINK_ERROR` drivers/md/dm-delay.c (patch 1, i386-highmem): ' +
        "undefined reference to `__udivdi3' in delay_ctr()",
    );
  });

  test('new findings with file:line and patch; pre-existing ones folded away', () => {
    expect(md).toContain("- **warning** `SPARSE` drivers/md/dm-snap.c:238 (patch 1): symbol 'x' was not declared");
    const folded = md.slice(md.indexOf('<details>'));
    expect(folded).toContain('1 finding the base tree already had');
    expect(folded).toContain('drivers/md/dm-snap.c:649');
  });
});

describe('renderMarkdown with a kernel splat', () => {
  test('the first line is the bullet, the excerpt a code block under it', () => {
    const md = renderMarkdown({
      ...results,
      stages: [
        {
          name: 'boot',
          status: 'fail',
          durationMs: 1,
          summary: 's',
          findings: [
            {
              tool: 'kernel',
              severity: 'error',
              type: 'KERNEL_SPLAT',
              message:
                'WARNING: at kernel/sched/core.c:5750 in crypt_iv_lmk_post()\n' +
                'DEBUG_LOCKS_WARN_ON(val > preempt_count())\n ? crypt_iv_lmk_post+0xf5/0x10a',
              file: 'drivers/md/dm-crypt.c',
              line: 560,
              patch: 1,
              config: 'x86_64-dm',
              new: true,
            },
          ],
        },
      ],
    });
    expect(md).toContain(
      '- **error** `KERNEL_SPLAT` drivers/md/dm-crypt.c:560 (patch 1, x86_64-dm): ' +
        'WARNING: at kernel/sched/core.c:5750 in crypt_iv_lmk_post()\n\n  ```\n' +
        '  DEBUG_LOCKS_WARN_ON(val > preempt_count())\n   ? crypt_iv_lmk_post+0xf5/0x10a\n  ```',
    );
  });
});

describe('the reproduce block of a failing cell', () => {
  const failing = structuredClone(results);
  failing.stages[1]!.cells![1]!.reproduce = [
    '# i386-highmem (ARCH=i386), the .config as built: /o/artifacts/i386-highmem/config',
    '# patched build',
    "LC_ALL=C make -C /w/linux -j2 O=/w/build/i386-highmem ARCH=i386 'CC=ccache gcc' bzImage",
    'echo ```',
  ];
  const md = renderMarkdown(failing);
  test('one collapsed block per failing cell, its lines verbatim in a fence no line can close', () => {
    expect(md).toContain(
      '<details><summary>Reproduce i386-highmem locally</summary>\n\n````sh\n# i386-highmem (ARCH=i386), ' +
        'the .config as built: /o/artifacts/i386-highmem/config\n# patched build\nLC_ALL=C make -C /w/linux -j2 ' +
        "O=/w/build/i386-highmem ARCH=i386 'CC=ccache gcc' bzImage\necho ```\n````\n\n</details>",
    );
    expect(md.match(/Reproduce /g)).toHaveLength(1); // the passing x86_64 cell has none
  });
  test('a run with no reproduce lines renders as before', () => {
    expect(renderMarkdown(results)).not.toContain('Reproduce');
  });
});
