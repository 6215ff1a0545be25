// Parse the command line once, up front, into validated settings; everything inward takes these typed values.
import type { SuiteMode } from './guest/suites.js';
import { parseArgs } from 'node:util';
import os from 'node:os';
import { existsSync } from 'node:fs';
import { SERIES_RANGE } from './series/intake.js';
import path from 'node:path';
import { usageError } from './errors.js';
import { STAGE_ORDER, type FailOn, type StageName } from './results/model.js';
import { DEFAULT_TREE_URL } from './tree/source.js';
import { DEFAULT_CELLS, packageRoot } from './kernel/cells.js';
import type { MailSettings } from './readiness/mail.js';
import type { SmtpSettings } from './tools/send-email.js';
import { parseArgsOptions } from './cli/options.js';
import { stagesToRun } from './stages/index.js';

/** Stages this version can run; the rest of the contract's list arrives with later versions. */
const FAIL_ON: readonly FailOn[] = ['error', 'warning', 'new-warning'];

export interface RunSettings {
  tree: string;
  ref?: string;
  series: string[];
  stages: StageName[];
  outDir: string;
  cacheDir: string;
  jobs: number;
  failOn: FailOn;
  checkpatchStrict: boolean;
  checkpatchIgnore: string[];
  stepTimeoutMs: number;
  fetchAttempts: number;
  fetchBackoffMs: number;
  /** --configs as given: shipped cell names or fragment paths, resolved by the pipeline. */
  configs: string[];
  ccacheDir: string;
  ccacheSize: string;
  /** The guest's init, scenarios and package list (default: the shipped guest/ folder). */
  guestDir: string;
  /** --scenarios: run only these (by name); all when undefined. */
  scenarios?: string[];
  bootTimeoutMs: number;
  scenarioTimeoutMs: number;
  /** --suites: the maintainers' test suites the change reaches (default), all their tests (full), or none. */
  suites: SuiteMode;
  /** --suite-reruns: how often a failing suite test runs again before it counts as failed. */
  suiteReruns: number;
  /** --suite-timeout: the limit of one attempt of one suite test. */
  suiteTimeoutMs: number;
  /** --previous: the series' previous version, to show what changed since (range-diff, findings). */
  previous?: string;
  /** Whether the base's build and boot records are taken from (and kept in) <cache>/base: off with --no-base-cache. */
  baseCache: boolean;
  /** --continue: add to the results.json already in the out dir (the Action runs one stage per step). */
  continueRun: boolean;
  /** The readiness stage's mail settings: SMTP for --send-to-self (the dry run needs none). */
  mail: MailSettings;
  /** What stdout gets at the end: findings as file:line: lines, report.md, or results.json. */
  format: OutputFormat;
  /** --all-findings: the terse list includes what the base already had. */
  allFindings: boolean;
}

type ParsedValues = Record<string, string | boolean | string[] | undefined> & {
  series?: string[];
  tree?: string;
  ref?: string;
  configs?: string;
  stages?: string;
  out?: string;
  jobs?: string;
  format?: string;
  'fail-on'?: string;
  'checkpatch-strict'?: boolean;
  'checkpatch-ignore'?: string;
  'cache-dir'?: string;
  'ccache-dir'?: string;
  'ccache-size'?: string;
  'step-timeout'?: string;
  scenarios?: string;
  'guest-dir'?: string;
  'boot-timeout'?: string;
  'scenario-timeout'?: string;
  suites?: string;
  'suite-reruns'?: string;
  'suite-timeout'?: string;
  continue?: boolean;
  'all-findings'?: boolean;
  'smtp-server'?: string;
  'smtp-user'?: string;
  'smtp-encryption'?: string;
  'send-to-self'?: boolean;
};

const SUITE_MODES: readonly SuiteMode[] = ['default', 'full', 'none'];

export type OutputFormat = 'terse' | 'md' | 'json';
const FORMATS: readonly OutputFormat[] = ['terse', 'md', 'json'];

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KPCI_CACHE_DIR) return path.resolve(env.KPCI_CACHE_DIR);
  const base = env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache');
  return path.join(base, 'kernel-patch-ci');
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw usageError(`${name} must be a positive whole number, not ${JSON.stringify(value)}`);
  return Number(value);
}

const ENCRYPTIONS: readonly SmtpSettings['encryption'][] = ['none', 'tls', 'ssl'];

/** --smtp-server host[:port] (an IPv6 address in brackets), --smtp-user with KPCI_SMTP_PASSWORD, --send-to-self. */
function parseMail(
  v: { 'smtp-server'?: string; 'smtp-user'?: string; 'smtp-encryption'?: string; 'send-to-self'?: boolean },
  env: NodeJS.ProcessEnv,
): MailSettings {
  const sendToSelf = v['send-to-self'] ?? false;
  const server = v['smtp-server'];
  if (server === undefined) {
    if (sendToSelf) throw usageError('--send-to-self needs --smtp-server HOST[:PORT]');
    if (v['smtp-user'] !== undefined || v['smtp-encryption'] !== undefined)
      throw usageError('--smtp-user and --smtp-encryption need --smtp-server HOST[:PORT]');
    return { sendToSelf };
  }
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::(\d+))?$/.exec(server);
  if (!m) throw usageError(`--smtp-server takes HOST[:PORT] like smtp.example.org:587, not ${JSON.stringify(server)}`);
  const port = m[2] === undefined ? 25 : Number(m[2]);
  if (!(port >= 1 && port <= 65535)) throw usageError(`--smtp-server port must be 1-65535, not ${m[2]}`);
  const encryption = (v['smtp-encryption'] ?? 'none') as SmtpSettings['encryption'];
  if (!ENCRYPTIONS.includes(encryption))
    throw usageError(
      `--smtp-encryption must be one of ${ENCRYPTIONS.join(', ')}, not ${JSON.stringify(v['smtp-encryption'])}`,
    );
  const user = v['smtp-user'];
  if (user !== undefined && !/^[^\s]+$/.test(user))
    throw usageError(`--smtp-user must be one word, not ${JSON.stringify(user)}`);
  if (user !== undefined && !env.KPCI_SMTP_PASSWORD)
    throw usageError('--smtp-user needs the password in the environment variable KPCI_SMTP_PASSWORD');
  if (!sendToSelf) throw usageError('--smtp-server is only used with --send-to-self (the dry run needs no server)');
  const smtp: SmtpSettings = {
    host: m[1]!.replace(/^\[|\]$/g, ''),
    port,
    encryption,
    ...(user !== undefined ? { user, password: env.KPCI_SMTP_PASSWORD! } : {}),
  };
  return { smtp, sendToSelf };
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function parseStages(value: string | undefined, continueRun = false): StageName[] {
  if (value === undefined) return [...STAGE_ORDER];
  const asked = list(value);
  if (asked.length === 0) throw usageError('--stages is empty');
  for (const name of asked) {
    if (!(STAGE_ORDER as readonly string[]).includes(name))
      throw usageError(`unknown stage ${JSON.stringify(name)} (stages: ${STAGE_ORDER.join(', ')})`);
  }
  // what the asked stages need and use runs too (apply under every stage, build under boot unless an earlier
  // --continue step built); the order is the contract's, not the user's
  return stagesToRun(asked as StageName[], continueRun);
}

/** The subcommand's arguments (after "run") into settings; a UsageError for anything wrong. */
export function parseRunArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): RunSettings {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: parseArgsOptions(),
    });
  } catch (error) {
    throw usageError((error as Error).message.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, ''));
  }
  const v = parsed.values as ParsedValues;
  // `kernel-patch-ci run 00*.patch`: plain arguments are series files, as for git am
  const series = [...(v.series ?? []), ...parsed.positionals];
  if (series.length === 0) throw usageError('no series: give patch files, or --series PATCH|DIR|MBOX|BASE..HEAD');
  if (series.some((s) => s.trim() === '')) throw usageError('--series is empty');
  const format = (v.format ?? 'terse') as OutputFormat;
  if (!FORMATS.includes(format))
    throw usageError(`--format must be one of ${FORMATS.join(', ')}, not ${JSON.stringify(v.format)}`);
  const stages = parseStages(v.stages, v.continue ?? false);
  const configs = v.configs === undefined ? DEFAULT_CELLS : list(v.configs);
  if (v.configs !== undefined && configs.length === 0) throw usageError('--configs is empty');
  // boot without build is a --continue step booting what an earlier step built: it needs the matrix too
  if (v.configs !== undefined && !stages.includes('build') && !stages.includes('boot'))
    throw usageError('--configs needs the build or boot stage (add build to --stages)');
  const ccacheSize = v['ccache-size'] ?? '5G';
  if (!/^\d+(\.\d+)?[kKMGT]?i?$/.test(ccacheSize))
    throw usageError(`--ccache-size takes a size like 5G or 500M, not ${JSON.stringify(ccacheSize)}`);
  const cacheDir = v['cache-dir'] ? path.resolve(v['cache-dir']) : defaultCacheDir(env);
  const failOn = (v['fail-on'] ?? 'new-warning') as FailOn;
  if (!FAIL_ON.includes(failOn))
    throw usageError(`--fail-on must be one of ${FAIL_ON.join(', ')}, not ${JSON.stringify(v['fail-on'])}`);
  const ignore = list(v['checkpatch-ignore']);
  const badType = ignore.find((t) => !/^[A-Z0-9_]+$/i.test(t));
  if (badType)
    throw usageError(`--checkpatch-ignore takes checkpatch types like LONG_LINE, not ${JSON.stringify(badType)}`);
  if (v.tree !== undefined && v.tree.trim() === '') throw usageError('--tree is empty');
  const scenarios = v.scenarios === undefined ? undefined : list(v.scenarios);
  if (scenarios && scenarios.length === 0) throw usageError('--scenarios is empty');
  const badScenario = scenarios?.find((n) => !/^[\w.-]+$/.test(n));
  if (badScenario)
    throw usageError(`--scenarios takes scenario names like crypt-lmk, not ${JSON.stringify(badScenario)}`);
  if ((scenarios || v['guest-dir']) && !stages.includes('boot'))
    throw usageError('--scenarios and --guest-dir need the boot stage (add boot to --stages)');
  const suites = (v.suites ?? 'default') as SuiteMode;
  if (!SUITE_MODES.includes(suites))
    throw usageError(`--suites must be one of ${SUITE_MODES.join(', ')}, not ${JSON.stringify(v.suites)}`);
  const suiteReruns = v['suite-reruns'] === undefined ? 2 : Number(v['suite-reruns']);
  if (!Number.isInteger(suiteReruns) || suiteReruns < 0 || suiteReruns > 10)
    throw usageError(`--suite-reruns takes a whole number from 0 to 10, not ${JSON.stringify(v['suite-reruns'])}`);
  const previous = v.previous as string | undefined;
  if (previous !== undefined && previous.trim() === '') throw usageError('--previous is empty');
  if (previous !== undefined && !SERIES_RANGE.test(previous) && !existsSync(previous))
    throw usageError(`--previous ${previous}: no such out dir or patch file, and not a BASE..HEAD range`);
  const mail = parseMail(v, env);
  if (mail.sendToSelf && !stages.includes('readiness'))
    throw usageError('--send-to-self needs the readiness stage (add readiness to --stages)');
  return {
    tree: v.tree ?? DEFAULT_TREE_URL,
    ref: v.ref,
    series,
    stages,
    outDir: path.resolve(v.out ?? 'kernel-patch-ci-out'),
    cacheDir,
    jobs: positiveInt('--jobs', v.jobs, os.availableParallelism()),
    failOn,
    checkpatchStrict: v['checkpatch-strict'] ?? false,
    checkpatchIgnore: ignore.map((t) => t.toUpperCase()),
    stepTimeoutMs: positiveInt('--step-timeout', v['step-timeout'], 3600) * 1000,
    fetchAttempts: positiveInt('KPCI_FETCH_ATTEMPTS', env.KPCI_FETCH_ATTEMPTS, 3),
    fetchBackoffMs: env.KPCI_FETCH_BACKOFF_MS !== undefined ? Number(env.KPCI_FETCH_BACKOFF_MS) || 0 : 2000,
    configs,
    ccacheDir: v['ccache-dir'] ? path.resolve(v['ccache-dir']) : env.CCACHE_DIR || path.join(cacheDir, 'ccache'),
    ccacheSize,
    guestDir: v['guest-dir'] ? path.resolve(v['guest-dir']) : path.join(packageRoot(), 'guest'),
    ...(scenarios ? { scenarios } : {}),
    bootTimeoutMs: positiveInt('--boot-timeout', v['boot-timeout'], 120) * 1000,
    scenarioTimeoutMs: positiveInt('--scenario-timeout', v['scenario-timeout'], 180) * 1000,
    suites,
    suiteReruns,
    suiteTimeoutMs: positiveInt('--suite-timeout', v['suite-timeout'], 300) * 1000,
    ...(previous ? { previous } : {}),
    baseCache: !(v['no-base-cache'] ?? false),
    continueRun: v.continue ?? false,
    mail,
    format,
    allFindings: v['all-findings'] ?? false,
  };
}
