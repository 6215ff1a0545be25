// The suite tests' classes, base against patched, on consoles in the guest runner's format (guest/suites/
// run-tests.sh, whose real output test/guest/run-tests.test.ts checks): each class firing, and a pass firing none.
import { describe, expect, test } from '@jest/globals';
import { parseConsole } from '../../src/boot/console.js';
import { classifySuites, classifySuiteTest, suiteFindings, suitesSummary } from '../../src/boot/suites-judge.js';
import { judgeBoot, type BootRecord } from '../../src/boot/judge.js';

type Attempt = 'pass' | 'fail' | 'skip';
/** One guest console: a scenario, then suite tests with these attempts each. */
function guestConsole(tests: Record<string, Attempt[]>): string {
  const ids = Object.keys(tests);
  const lines = ['# kpci-guest 6.1.0 x86_64 cpus=2', 'KTAP version 1', `1..${ids.length + 1}`];
  lines.push(`# kpci-suites ${ids.length}`, '# kpci-begin 1 crypt-lmk', '# kpci-time crypt-lmk 20.1', 'ok 1 crypt-lmk');
  ids.forEach((id, i) => {
    const attempts = tests[id]!;
    for (const _ of attempts) lines.push(`# kpci-begin ${i + 2} ${id}`);
    lines.push(`# kpci-time ${id} 30.${i}`, `# kpci-attempts ${id} ${attempts.join(' ')}`);
    const fails = attempts.filter((a) => a === 'fail').length;
    if (attempts.at(-1) === 'skip') lines.push(`ok ${i + 2} ${id} # SKIP Cannot find free loop device, test skipped.`);
    else if (attempts.at(-1) === 'pass')
      lines.push(
        ...(fails
          ? [`# [FAIL]`, `ok ${i + 2} ${id} # flaky: failed ${fails} of ${attempts.length} attempts`]
          : [`ok ${i + 2} ${id}`]),
      );
    else
      lines.push(
        '# Expecting 31e00e0e got 9a1f2b3c.',
        '# FAILED backtrace:',
        `not ok ${i + 2} ${id} # failed ${fails} of ${attempts.length} attempts`,
      );
  });
  lines.push('# kpci-end');
  return lines.join('\n');
}

const T = 'cryptsetup:tcrypt-compat-test';
const L = 'cryptsetup:loopaes-test';

describe('classifySuiteTest', () => {
  test.each([
    ['pass', 'pass', 'pass'],
    ['fail', 'pass', 'regression'],
    ['missing', 'pass', 'regression'],
    ['pass', 'fail', 'fixed'],
    ['fail', 'fail', 'persistent'],
    ['fail', 'missing', 'persistent'],
    ['flaky', 'pass', 'flaky'],
    ['fail', 'flaky', 'flaky'],
    ['skip', 'pass', 'skip'],
    ['fail', undefined, 'regression'],
  ] as const)('patched %s, base %s: %s', (patched, base, expected) => {
    expect(classifySuiteTest(patched, base)).toBe(expected);
  });
});

describe('classifySuites and their findings', () => {
  test('a regression: passes on base, fails every attempt patched; the finding carries the log excerpt', () => {
    const patched = parseConsole(guestConsole({ [L]: ['pass'], [T]: ['fail', 'fail', 'fail'] }));
    const base = parseConsole(guestConsole({ [L]: ['pass'], [T]: ['pass'] }));
    const verdicts = classifySuites(patched, base);
    expect(verdicts.map((v) => [v.id, v.class])).toEqual([
      [L, 'pass'],
      [T, 'regression'],
    ]);
    const [finding] = suiteFindings(verdicts);
    expect(finding).toMatchObject({ tool: 'suite', severity: 'error', type: 'SUITE_REGRESSION', new: true });
    expect(finding!.message).toMatch(
      /^cryptsetup:tcrypt-compat-test passes on the base kernel and fails on the patched/,
    );
    expect(finding!.message).toMatch(/failed 3 of 3 attempts/);
    expect(finding!.message).toMatch(/Expecting 31e00e0e got 9a1f2b3c\./);
    expect(suitesSummary(verdicts)).toBe('suite tests: 1 pass, 1 regression');
  });

  test('failing on both kernels is persistent, not blamed; a rerun that passes is flaky, not blamed', () => {
    const patched = parseConsole(guestConsole({ [L]: ['fail', 'pass'], [T]: ['fail', 'fail', 'fail'] }));
    const base = parseConsole(guestConsole({ [L]: ['pass'], [T]: ['fail', 'fail', 'fail'] }));
    const verdicts = classifySuites(patched, base);
    expect(verdicts.map((v) => v.class)).toEqual(['flaky', 'persistent']);
    const findings = suiteFindings(verdicts);
    expect(findings.map((f) => [f.type, f.severity, f.new])).toEqual([
      ['SUITE_FLAKY', 'warning', false],
      ['SUITE_FAILS_ON_BASE', 'warning', false],
    ]);
  });

  test('a skipped test is reported with its reason and never counted as a pass', () => {
    const report = parseConsole(guestConsole({ [L]: ['skip'] }));
    const verdicts = classifySuites(report, report);
    expect(verdicts[0]!.class).toBe('skip');
    expect(suiteFindings(verdicts)[0]!.message).toBe(`${L} skipped: Cannot find free loop device, test skipped.`);
    expect(suitesSummary(verdicts)).toBe('suite tests: 1 skip');
  });

  test('all passing: no finding', () => {
    const report = parseConsole(guestConsole({ [L]: ['pass'], [T]: ['pass'] }));
    expect(suiteFindings(classifySuites(report, report))).toEqual([]);
  });
});

describe('judgeBoot with suite tests', () => {
  const record = (patched: string, base: string, extra: Partial<BootRecord> = {}): BootRecord => ({
    cell: 'x86_64-dm',
    accel: 'tcg',
    patched: { report: parseConsole(patched) },
    base: { report: parseConsole(base) },
    highmem: false,
    changed: [],
    sources: new Map(),
    decoded: new Map(),
    coverage: [],
    ...extra,
  });

  test('a regression fails the cell; the scenarios count apart from the suite tests', () => {
    const judged = judgeBoot(
      record(guestConsole({ [T]: ['fail', 'fail', 'fail'] }), guestConsole({ [T]: ['pass'] })),
      'new-warning',
    );
    expect(judged.status).toBe('fail');
    expect(judged.summary).toMatch(/^1\/1 scenarios passed under TCG; suite tests: 1 regression/);
    expect(judged.findings.map((f) => f.type)).not.toContain('SCENARIO_FAILED');
  });

  test('a persistent failure and a flaky test leave the cell passing, with a warning only when new', () => {
    const judged = judgeBoot(
      record(
        guestConsole({ [T]: ['fail', 'fail', 'fail'], [L]: ['fail', 'pass'] }),
        guestConsole({ [T]: ['fail'], [L]: ['pass'] }),
      ),
      'new-warning',
    );
    expect(judged.status).toBe('pass');
    expect(judged.summary).toMatch(/suite tests: 1 persistent, 1 flaky/);
  });

  test('suites that could not be made: a warning finding, and the scenarios are still judged', () => {
    const plain = guestConsole({});
    const judged = judgeBoot(
      record(plain, plain, { suitesUnavailable: 'cannot download the Debian source of mdadm=4.2-5: x' }),
      'new-warning',
    );
    expect(judged.status).toBe('pass');
    expect(judged.findings.find((f) => f.type === 'SUITES_UNAVAILABLE')!.message).toMatch(
      new RegExp(
        "^the maintainers' suites did not run: cannot download the Debian source of mdadm=4\\.2-5: x " +
          '\\(the scenarios ran\\)$',
      ),
    );
    expect(judged.summary).toMatch(/suites did not run/);
  });
});
