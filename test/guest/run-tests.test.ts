// The guest's suite runner (guest/suites/run-tests.sh) run by the host's POSIX sh on attempts that pass, fail,
// skip, pass on a rerun, and hang: one KTAP line each, the attempts marker, the timeout kills the whole session and
// the next test still runs.
import { afterAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO } from '../helpers/fixtures.js';
import { parseConsole } from '../../src/boot/console.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'kpci-run-tests-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const FAKE = `#!/bin/sh
# one attempt of a fake suite's test: $2 says how it behaves
case $2 in
pass) echo fine; exit 0 ;;
fail) echo "FAILED backtrace: line 12"; exit 2 ;;
skip) echo "WARNING: test require uuencode binary, test skipped."; exit 77 ;;
flaky) [ -e "${scratch}/flaky.once" ] && exit 0; : >"${scratch}/flaky.once"; echo "timing"; exit 1 ;;
hang) echo "$$" >"${scratch}/hang.pid"; sleep 1000 & wait ;;
mode) [ "$3" = full ] ;;
esac
`;

function runSuites(tests: string[], limitSeconds: number, reruns: number, mode = 'default'): string {
  const fake = path.join(scratch, 'fake');
  writeFileSync(fake, FAKE, { mode: 0o755 });
  const script =
    `. ${path.join(REPO, 'guest', 'suites', 'run-tests.sh')}; SUITE_EXEC=${fake} SUITE_CLEANUP=true; ` +
    `run_suite_tests 7 ${limitSeconds} ${reruns} ${mode} ${tests.join(' ')}`;
  return execFileSync('sh', ['-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 });
}

describe('run_suite_tests', () => {
  test('one KTAP line per test, numbered on from the scenarios, with the attempts of each', () => {
    const out = runSuites(['x:pass', 'x:fail', 'x:skip', 'x:flaky'], 20, 2);
    const report = parseConsole(out);
    expect(report.scenarios.map((s) => [s.n, s.name, s.status])).toEqual([
      [7, 'x:pass', 'pass'],
      [8, 'x:fail', 'fail'],
      [9, 'x:skip', 'skip'],
      [10, 'x:flaky', 'pass'],
    ]);
    expect(out).toMatch(/^# kpci-attempts x:fail fail fail fail$/m);
    expect(out).toMatch(/^not ok 8 x:fail # failed 3 of 3 attempts$/m);
    expect(out).toMatch(/^# FAILED backtrace: line 12$/m); // the failed attempt's log tail
    expect(out).toMatch(/^ok 9 x:skip # SKIP WARNING: test require uuencode binary, test skipped\.$/m);
    expect(out).toMatch(/^# kpci-attempts x:flaky fail pass$/m);
    expect(out).toMatch(/^ok 10 x:flaky # flaky: failed 1 of 2 attempts$/m);
  });

  test('no reruns asked: a failure is final at once', () => {
    expect(runSuites(['x:fail'], 20, 0)).toMatch(/^# kpci-attempts x:fail fail$/m);
  });

  test('a hanging test is killed at its timeout with all it started, is not rerun, and the next one runs', () => {
    const started = Date.now();
    const out = runSuites(['x:hang', 'x:pass'], 2, 2);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(out).toMatch(/^# kpci-attempts x:hang fail$/m);
    expect(out).toMatch(/^not ok 7 x:hang # failed 1 of 1 attempts, the last killed after 2s$/m);
    expect(out).toMatch(/^ok 8 x:pass$/m);
    const pid = execFileSync('cat', [path.join(scratch, 'hang.pid')], { encoding: 'utf8' }).trim();
    // neither the test's shell nor the sleep it started survive
    const left = execFileSync('ps', ['-eo', 'sid=,cmd='], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.trim().split(/\s+/)[0] === pid && !l.includes('<defunct>')); // a zombie is dead
    expect(left).toEqual([]);
  });

  test('the mode reaches the attempt (full runs everything)', () => {
    expect(runSuites(['x:mode'], 20, 0, 'full')).toMatch(/^ok 7 x:mode$/m);
    expect(runSuites(['x:mode'], 20, 0, 'default')).toMatch(/^not ok 7 x:mode/m);
  });
});
