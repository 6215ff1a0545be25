import { describe, expect, test } from '@jest/globals';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { RunError } from '../src/errors.js';
import { parseRunArgs } from '../src/settings.js';
import { DEFAULT_TREE_URL } from '../src/tree/source.js';
import { TOOL_VERSION } from '../src/version.js';
import { REPO } from './helpers/fixtures.js';

const env = { HOME: '/home/u' } as NodeJS.ProcessEnv;

const usage = (argv: string[]) => {
  try {
    parseRunArgs(argv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(RunError);
    return (error as RunError).message;
  }
  throw new Error('expected a usage error');
};

describe('parseRunArgs', () => {
  test('defaults: linux-dm, every available stage, new-warning, out dir in cwd, XDG cache', () => {
    const s = parseRunArgs(['--series', 'x.patch'], env);
    expect(s).toMatchObject({
      tree: DEFAULT_TREE_URL,
      series: ['x.patch'],
      stages: ['apply', 'checkpatch', 'sparse', 'build', 'boot', 'readiness'],
      failOn: 'new-warning',
      outDir: path.resolve('kernel-patch-ci-out'),
      cacheDir: '/home/u/.cache/kernel-patch-ci',
      checkpatchStrict: false,
      configs: ['x86_64-dm', 'i386-highmem'],
      ccacheDir: '/home/u/.cache/kernel-patch-ci/ccache',
      ccacheSize: '5G',
      guestDir: path.join(REPO, 'guest'),
      bootTimeoutMs: 120_000,
      scenarioTimeoutMs: 180_000,
    });
    expect(s.scenarios).toBeUndefined();
    expect(s.mail).toEqual({ sendToSelf: false });
  });

  test('boot brings the build it boots; --scenarios and the timeouts', () => {
    expect(parseRunArgs(['--series', 'x', '--stages', 'boot'], env).stages).toEqual(['apply', 'build', 'boot']);
    const s = parseRunArgs(
      [
        '--series',
        'x',
        '--stages',
        'boot',
        '--scenarios',
        'crypt-lmk, log-writes',
        '--scenario-timeout',
        '30',
        '--boot-timeout',
        '20',
        '--guest-dir',
        'g',
      ],
      env,
    );
    expect(s).toMatchObject({
      scenarios: ['crypt-lmk', 'log-writes'],
      scenarioTimeoutMs: 30_000,
      bootTimeoutMs: 20_000,
      guestDir: path.resolve('g'),
    });
  });

  test('--stages keeps the contract order and always includes apply', () => {
    expect(parseRunArgs(['--series', 'x', '--stages', 'sparse,checkpatch'], env).stages).toEqual([
      'apply',
      'checkpatch',
      'sparse',
    ]);
    expect(parseRunArgs(['--series', 'x', '--stages', 'checkpatch'], env).stages).toEqual(['apply', 'checkpatch']);
  });

  test(
    'readiness runs last, on apply alone; --send-to-self with an SMTP server, ' + 'the password from the environment',
    () => {
      expect(parseRunArgs(['--series', 'x', '--stages', 'readiness,checkpatch'], env).stages).toEqual([
        'apply',
        'checkpatch',
        'readiness',
      ]);
      expect(
        parseRunArgs(
          [
            '--series',
            'x',
            '--smtp-server',
            'smtp.example.org:587',
            '--smtp-encryption',
            'tls',
            '--smtp-user',
            'me',
            '--send-to-self',
          ],
          { ...env, KPCI_SMTP_PASSWORD: 'pw' },
        ).mail,
      ).toEqual({
        sendToSelf: true,
        smtp: { host: 'smtp.example.org', port: 587, encryption: 'tls', user: 'me', password: 'pw' },
      });
      expect(parseRunArgs(['--series', 'x', '--smtp-server', '[::1]', '--send-to-self'], env).mail).toEqual({
        sendToSelf: true,
        smtp: { host: '::1', port: 25, encryption: 'none' },
      });
    },
  );

  test('bad SMTP options get one line each', () => {
    const self = ['--series', 'x', '--send-to-self'];
    expect(usage([...self])).toBe('--send-to-self needs --smtp-server HOST[:PORT]');
    expect(usage([...self, '--smtp-server', 'host:0'])).toBe('--smtp-server port must be 1-65535, not 0');
    expect(usage([...self, '--smtp-server', 'host:smtp'])).toBe(
      '--smtp-server takes HOST[:PORT] like smtp.example.org:587, not "host:smtp"',
    );
    expect(usage([...self, '--smtp-server=-oProxyCommand=x'])).toMatch(/^--smtp-server takes HOST\[:PORT\]/);
    expect(usage([...self, '--smtp-server', 'h', '--smtp-encryption', 'starttls'])).toBe(
      '--smtp-encryption must be one of none, tls, ssl, not "starttls"',
    );
    expect(usage([...self, '--smtp-server', 'h', '--smtp-user', 'me'])).toBe(
      '--smtp-user needs the password in the environment variable KPCI_SMTP_PASSWORD',
    );
    expect(usage(['--series', 'x', '--smtp-user', 'me'])).toBe(
      '--smtp-user and --smtp-encryption need --smtp-server HOST[:PORT]',
    );
    expect(usage(['--series', 'x', '--smtp-server', 'h'])).toBe(
      '--smtp-server is only used with --send-to-self (the dry run needs no server)',
    );
    expect(usage([...self, '--smtp-server', 'h', '--stages', 'checkpatch'])).toBe(
      '--send-to-self needs the readiness stage (add readiness to --stages)',
    );
  });

  test('checkpatch options', () => {
    const s = parseRunArgs(
      ['--series', 'x', '--checkpatch-strict', '--checkpatch-ignore', 'long_line, FILE_PATH_CHANGES'],
      env,
    );
    expect(s.checkpatchStrict).toBe(true);
    expect(s.checkpatchIgnore).toEqual(['LONG_LINE', 'FILE_PATH_CHANGES']);
  });

  test('each bad usage gets one clear line', () => {
    expect(usage([])).toBe('no series: give patch files, or --series PATCH|DIR|MBOX|BASE..HEAD');
    expect(usage(['--series', 'x', '--format', 'xml'])).toBe('--format must be one of terse, md, json, not "xml"');
    expect(usage(['--series', 'x', '--stages', 'lint'])).toMatch(/^unknown stage "lint"/);
    expect(usage(['--series', 'x', '--stages', 'build', '--scenarios', 'crypt-lmk'])).toBe(
      '--scenarios and --guest-dir need the boot stage (add boot to --stages)',
    );
    expect(usage(['--series', 'x', '--scenarios', 'a;reboot'])).toMatch(/^--scenarios takes scenario names/);
    expect(usage(['--series', 'x', '--scenario-timeout', '0'])).toMatch(
      /^--scenario-timeout must be a positive whole number/,
    );
    expect(usage(['--series', 'x', '--suites', 'some'])).toBe(
      '--suites must be one of default, full, none, not "some"',
    );
    expect(usage(['--series', 'x', '--suite-reruns', '11'])).toBe(
      '--suite-reruns takes a whole number from 0 to 10, not "11"',
    );
    expect(usage(['--series', 'x', '--suite-timeout', '0'])).toMatch(/^--suite-timeout must be a positive whole/);
    expect(parseRunArgs(['--series', 'x'], {})).toMatchObject({ suites: 'default', suiteReruns: 2 });
    expect(parseRunArgs(['--series', 'x', '--suites', 'none', '--suite-reruns', '0'], {})).toMatchObject({
      suites: 'none',
      suiteReruns: 0,
      suiteTimeoutMs: 300_000,
    });
    expect(usage(['--series', 'x', '--configs', ''])).toBe('--configs is empty');
    expect(usage(['--series', 'x', '--fail-on', 'never'])).toMatch(
      /^--fail-on must be one of error, warning, new-warning/,
    );
    expect(usage(['--series', 'x', '--jobs', '0'])).toMatch(/^--jobs must be a positive whole number/);
    expect(usage(['--series', 'x', '--frobnicate'])).toMatch(/^Unknown option '--frobnicate'/);
    expect(usage(['--series', 'x', '--checkpatch-ignore', 'A;rm -rf /'])).toMatch(
      /^--checkpatch-ignore takes checkpatch types/,
    );
    expect(usage(['--series', 'x', '--stages', 'checkpatch', '--configs', 'x86_64-dm'])).toBe(
      '--configs needs the build or boot stage (add build to --stages)',
    );
    expect(usage(['--series', 'x', '--ccache-size', 'lots'])).toMatch(/^--ccache-size takes a size like 5G/);
    for (const message of [usage([]), usage(['--series', 'x', '--frobnicate'])]) expect(message).not.toContain('\n');
  });

  test('kernel habits: patch files as plain arguments, -j for --jobs, --format', () => {
    const s = parseRunArgs(['0001-a.patch', '-j', '3', '0002-b.patch', '--series', 'c.patch', '--format', 'json'], env);
    expect(s.series).toEqual(['c.patch', '0001-a.patch', '0002-b.patch']);
    expect(s.jobs).toBe(3);
    expect(s.format).toBe('json');
    expect(parseRunArgs(['x.patch'], env)).toMatchObject({ format: 'terse', allFindings: false });
  });

  test('the version matches package.json', () => {
    expect(TOOL_VERSION).toBe(JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')).version);
  });
});
