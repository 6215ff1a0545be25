import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { execTool } from '../../src/tools/exec.js';
import { RunError } from '../../src/errors.js';

/** Running or sleeping; a zombie (killed, waiting for init to reap it) does not count. */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('execTool', () => {
  test('argument arrays reach the program verbatim: no shell sees them', async () => {
    const arg = '$(touch /tmp/kpci-pwned); `id` | && ; "quoted"';
    const r = await execTool('printf', ['%s', arg]);
    expect(r).toMatchObject({ code: 0, stdout: arg, timedOut: false });
  });

  test('a timeout kills the whole process group, grandchildren included', async () => {
    const t0 = Date.now();
    // the shell prints its background child's pid, then both sleep far past the timeout
    const r = await execTool('bash', ['-c', 'sleep 60 & echo $!; sleep 60'], { timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(Date.now() - t0).toBeLessThan(5000);
    const grandchild = Number(r.stdout.trim());
    expect(grandchild).toBeGreaterThan(1);
    await new Promise((res) => setTimeout(res, 100));
    expect(alive(grandchild)).toBe(false);
  });

  test('lines are streamed as they come; a missing program is a RunError naming its package', async () => {
    const lines: string[] = [];
    await execTool('bash', ['-c', 'echo one; echo two >&2; printf three'], { onLine: (l) => lines.push(l) });
    expect(lines.sort()).toEqual(['one', 'three', 'two']);
    await expect(execTool('sparse-that-is-not-installed', [])).rejects.toThrow(RunError);
    await expect(execTool('sparse-that-is-not-installed', [])).rejects.toThrow(
      'sparse-that-is-not-installed is not installed',
    );
  });
});
