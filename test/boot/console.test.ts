import { describe, expect, test } from '@jest/globals';
import { fixture } from '../helpers/fixtures.js';
import { kernelMessage, ktapDocument, parseConsole, runningAt, silentScenario, tail } from '../../src/boot/console.js';

describe('parseConsole', () => {
  test('a real x86_64 guest run: every scenario, its hashes, the kernel and the end marker', () => {
    const r = parseConsole(fixture('boot', 'console-x86_64-pass.log'));
    expect(r.kernelVersion).toBe('6.1.192+');
    expect(r.planned).toBe(13);
    expect(r.ended).toBe(true);
    expect(r.scenarios.map((s) => s.status)).toEqual(Array(13).fill('pass'));
    expect(r.scenarios.map((s) => s.name).slice(0, 5)).toEqual([
      'crypt-lmk',
      'crypt-tcw',
      'crypt-elephant',
      'crypt-xts-plain64',
      'log-writes',
    ]);
    expect(Object.keys(r.scenarios[0]!.hashes)).toEqual(['lmk-v2', 'lmk-v3']);
    expect(r.scenarios[2]!.hashes.elephant).toMatch(/^[0-9a-f]{64}$/);
    expect(r.memTotalKb).toBeGreaterThan(900_000);
    expect(r.highTotalKb).toBeUndefined();
    // each scenario's range ends where the next begins
    expect(r.scenarios[0]!.endLine).toBe(r.scenarios[1]!.firstLine);
  });

  test('the i386 HIGHMEM guest reports its high memory, and its ciphertext equals the x86_64 one', () => {
    const i386 = parseConsole(fixture('boot', 'console-i386-pass.log'));
    const x86 = parseConsole(fixture('boot', 'console-x86_64-pass.log'));
    expect(i386.highTotalKb).toBeGreaterThan(1_000_000);
    expect(i386.scenarios[0]!.hashes).toEqual(x86.scenarios[0]!.hashes);
  });

  test('failures, skips, a scenario with no result, and garbage bytes', () => {
    const text = [
      '[    1.0] Linux version 6.1.0 (x)',
      '# kpci-guest 6.1.0 i686 cpus=1',
      'KTAP version 1',
      '1..3',
      '# kpci-begin 1 crypt-tcw',
      '# dd: short read',
      '# FAIL: read-back differs',
      'not ok 1 crypt-tcw # read-back differs',
      '# kpci-begin 2 lvm-linear',
      'ok 2 lvm-linear # SKIP lvm does not answer',
      '# kpci-begin 3 hang\r',
      '\x00\x1b[2J\ufffd\x07garbage',
    ].join('\n');
    const r = parseConsole(text);
    expect(r.scenarios.map((s) => [s.name, s.status, s.reason])).toEqual([
      ['crypt-tcw', 'fail', 'read-back differs'],
      ['lvm-linear', 'skip', 'lvm does not answer'],
      ['hang', 'missing', undefined],
    ]);
    expect(r.scenarios[0]!.notes).toEqual(['dd: short read', 'FAIL: read-back differs']);
    expect(r.ended).toBe(false);
    expect(tail(r.lines, 1)).toEqual(['garbage']);
  });

  test('a kernel record that lands inside one of our lines gets its own line, and our line is joined again', () => {
    const text = [
      '# kpci-begin 1 crypt-lmk',
      'ok 1 cry[    9.963749] ------------[ cut here ]------------\r',
      '[    9.965070] DEBUG_LOCKS_WARN_ON(val > preempt_count())\r',
      'pt-lmk\r',
      // seen in a real i386 boot: a continued record ("works", "ings") cut by another CPU's record
      '[    2.114128] workings[    2.291936] NET: Registered PF_ALG protocol family\r',
    ].join('\n');
    const r = parseConsole(text);
    expect(r.scenarios.map((s) => [s.name, s.status])).toEqual([['crypt-lmk', 'pass']]);
    expect(r.lines).toEqual([
      '# kpci-begin 1 crypt-lmk',
      '[    9.963749] ------------[ cut here ]------------',
      '[    9.965070] DEBUG_LOCKS_WARN_ON(val > preempt_count())',
      'ok 1 crypt-lmk',
      '[    2.114128] workings',
      '[    2.291936] NET: Registered PF_ALG protocol family',
    ]);
  });

  test('two queues side by side: each result block carries its own hashes and notes, the ranges overlap', () => {
    const r = parseConsole(
      [
        '# kpci-guest 6.1 x86_64 cpus=2',
        'KTAP version 1',
        '1..3',
        '# kpci-begin 1 crypt-lmk',
        '# kpci-begin 2 lvm-linear',
        '# kpci-time lvm-linear 9.1',
        '# lvcreate: out of space',
        '# FAIL: lvcreate linear failed',
        'not ok 2 lvm-linear # lvcreate linear failed',
        '# kpci-begin 3 lvm-thin',
        '# kpci-time crypt-lmk 9.5',
        `# kpci-hash lmk-v2 ${'a'.repeat(64)}`,
        'ok 1 crypt-lmk',
      ].join('\n'),
    );
    expect(r.scenarios.map((s) => [s.n, s.name, s.status, s.hashes, s.notes])).toEqual([
      [1, 'crypt-lmk', 'pass', { 'lmk-v2': 'a'.repeat(64) }, []],
      [2, 'lvm-linear', 'fail', {}, ['lvcreate: out of space', 'FAIL: lvcreate linear failed']],
      [3, 'lvm-thin', 'missing', {}, []],
    ]);
    expect(runningAt(r, 4).map((s) => s.name)).toEqual(['crypt-lmk', 'lvm-linear']);
    expect(runningAt(r, 9).map((s) => s.name)).toEqual(['crypt-lmk', 'lvm-thin']);
    expect(r.scenarios[2]!.endLine).toBe(r.lines.length); // no result: to the end of the console
    // the KTAP file is in test-number order, whatever order the queues finished in
    expect(ktapDocument(r)).toBe(
      [
        'KTAP version 1',
        '1..3',
        '# kpci-begin 1 crypt-lmk',
        `# kpci-hash lmk-v2 ${'a'.repeat(64)}`,
        'ok 1 crypt-lmk',
        '# kpci-begin 2 lvm-linear',
        '# lvcreate: out of space',
        '# FAIL: lvcreate linear failed',
        'not ok 2 lvm-linear # lvcreate linear failed',
        '# kpci-begin 3 lvm-thin',
        'not ok 3 lvm-thin # no result',
        '',
      ].join('\n'),
    );
  });

  test('kernel lines are told from ours by the printk timestamp', () => {
    expect(kernelMessage('[   12.345678] WARNING: CPU: 0 PID: 1 at x')).toBe('WARNING: CPU: 0 PID: 1 at x');
    expect(kernelMessage('#   WARNING: This metadata update is NOT backed up.')).toBeUndefined();
  });
});

describe('ktapDocument', () => {
  test(
    'the KTAP of a real guest console: from the version line, ' +
      'results and diagnostics, no kernel log or init lines',
    () => {
      const ktap = ktapDocument(parseConsole(fixture('boot', 'console-x86_64-pass.log')));
      expect(ktap).toMatch(/^KTAP version 1\n1\.\.13\n# kpci-begin 1 crypt-lmk\n/);
      expect(ktap.split('\n').filter((l) => /^ok \d+ /.test(l))).toHaveLength(13);
      expect(ktap).not.toMatch(/^\[/m); // no kernel messages
      expect(ktap).not.toContain('kpci-guest');
    },
  );

  test('a console that never reached KTAP gives an empty document', () => {
    expect(ktapDocument(parseConsole('[    0.1] Linux version 6.1\nKernel panic - not syncing'))).toBe('');
  });
});

describe('silentScenario', () => {
  const head = ['# kpci-guest 6.1.0 x86_64 cpus=2', 'KTAP version 1', '1..3', '# kpci-begin 1 garbage', 'ok 1 garbage'];

  test('a guest that rebooted before the next begin marker reached the console: that scenario', () => {
    expect(silentScenario(parseConsole([...head, '[    7.6] reboot: Restarting system'].join('\n')))).toBe(2);
  });

  test('with two queues: the first planned scenario that never began, once every begun one has its result', () => {
    const queues = [
      '# kpci-guest 6.1.0 x86_64 cpus=2',
      'KTAP version 1',
      '1..4',
      '# kpci-begin 3 lvm-linear',
      '# kpci-begin 1 garbage',
      'ok 1 garbage',
    ];
    expect(silentScenario(parseConsole([...queues, 'ok 3 lvm-linear'].join('\n')))).toBe(2);
    expect(silentScenario(parseConsole(queues.join('\n')))).toBeUndefined(); // lvm-linear is still running
  });

  test('not when the marker arrived, the guest ended, all planned ran, or init never started', () => {
    expect(silentScenario(parseConsole([...head, '# kpci-begin 2 vanish'].join('\n')))).toBeUndefined();
    expect(silentScenario(parseConsole([...head, '# kpci-end'].join('\n')))).toBeUndefined();
    expect(silentScenario(parseConsole([...head.slice(0, 2), '1..1', ...head.slice(3)].join('\n')))).toBeUndefined();
    expect(silentScenario(parseConsole('[    0.1] Linux version 6.1\nKernel panic - not syncing'))).toBeUndefined();
  });
});
