// Every option of `kernel-patch-ci run`, once: what node:util's parseArgs reads, and what --help prints.
export interface RunOption {
  name: string;
  short?: string;
  type: 'string' | 'boolean';
  multiple?: boolean;
  /** The value's placeholder in --help. */
  arg?: string;
  help: string;
}

export const RUN_OPTIONS: readonly RunOption[] = [
  {
    name: 'series',
    type: 'string',
    multiple: true,
    arg: 'PATCH|DIR|MBOX|BASE..HEAD',
    help:
      'the series: patch files (also as plain arguments), a directory of them, an mbox, ' +
      'or a commit range of a local --tree',
  },
  {
    name: 'tree',
    type: 'string',
    arg: 'URL|DIR|TARBALL',
    help:
      'the kernel tree to apply to: a git URL, a checkout (never modified) or a source tarball; ' +
      'default linux-dm.git, or the kernel checkout you are in',
  },
  {
    name: 'ref',
    type: 'string',
    arg: 'REF',
    help:
      'branch, tag or commit of --tree (for a URL, default for-next); ' +
      'a series with base-commit: applies there instead',
  },
  {
    name: 'stages',
    type: 'string',
    arg: 'NAME[,NAME…]',
    help: 'apply, checkpatch, sparse, build, boot, readiness (default all; apply always runs)',
  },
  {
    name: 'configs',
    type: 'string',
    arg: 'NAME|FILE[,…]',
    help: 'build matrix: shipped cells (x86_64-dm, i386-highmem) or config fragment files',
  },
  {
    name: 'out',
    type: 'string',
    arg: 'DIR',
    help: 'where results.json, report.md and the artifacts go (default ./kernel-patch-ci-out)',
  },
  {
    name: 'format',
    type: 'string',
    arg: 'terse|md|json',
    help: 'what stdout gets: file:line: findings as gcc prints them (terse, default), report.md, or results.json',
  },
  { name: 'all-findings', type: 'boolean', help: 'with --format terse, also print what the base tree already had' },
  { name: 'jobs', short: 'j', type: 'string', arg: 'N', help: 'make -j for the builds (default: the number of CPUs)' },
  {
    name: 'fail-on',
    type: 'string',
    arg: 'error|warning|new-warning',
    help: 'which findings fail the verdict (default new-warning)',
  },
  { name: 'checkpatch-strict', type: 'boolean', help: 'run checkpatch.pl --strict' },
  {
    name: 'checkpatch-ignore',
    type: 'string',
    arg: 'TYPE[,TYPE…]',
    help: 'checkpatch types to ignore, like LONG_LINE',
  },
  {
    name: 'cache-dir',
    type: 'string',
    arg: 'DIR',
    help: 'trees, guest packages and ccache kept between runs (default $KPCI_CACHE_DIR or ~/.cache/kernel-patch-ci)',
  },
  {
    name: 'ccache-dir',
    type: 'string',
    arg: 'DIR',
    help: 'the compiler cache (default $CCACHE_DIR or <cache-dir>/ccache)',
  },
  { name: 'ccache-size', type: 'string', arg: 'SIZE', help: 'ccache -M, like 5G (default 5G)' },
  {
    name: 'step-timeout',
    type: 'string',
    arg: 'SECONDS',
    help: 'the limit of one tool run, a build included (default 3600)',
  },
  {
    name: 'scenarios',
    type: 'string',
    arg: 'NAME[,…]',
    help: 'boot: run only these guest scenarios (default: those the change reaches)',
  },
  {
    name: 'guest-dir',
    type: 'string',
    arg: 'DIR',
    help: 'boot: the guest init, scenarios and package list (default the shipped guest/)',
  },
  {
    name: 'boot-timeout',
    type: 'string',
    arg: 'SECONDS',
    help: 'boot: the limit for a guest to reach its init (default 120)',
  },
  { name: 'scenario-timeout', type: 'string', arg: 'SECONDS', help: 'boot: the limit of one scenario (default 180)' },
  {
    name: 'suites',
    type: 'string',
    arg: 'default|full|none',
    help: "boot: the maintainers' suites (cryptsetup, mdadm): the tests the change reaches, all of theirs, or none",
  },
  {
    name: 'suite-reruns',
    type: 'string',
    arg: 'N',
    help: 'boot: reruns of a failing suite test before it counts as failed (default 2)',
  },
  { name: 'suite-timeout', type: 'string', arg: 'SECONDS', help: 'boot: the limit of one suite test (default 300)' },
  {
    name: 'previous',
    type: 'string',
    arg: 'DIR|RANGE|PATCHES',
    help: "the series' previous version (an earlier --out, BASE..HEAD, or its patches): range-diff and findings",
  },
  {
    name: 'no-base-cache',
    type: 'boolean',
    help: 'build and boot the base again instead of taking what an earlier run proved of it from the cache',
  },
  {
    name: 'continue',
    type: 'boolean',
    help: 'add to the results.json already in --out (one stage per call, as the Action runs)',
  },
  {
    name: 'smtp-server',
    type: 'string',
    arg: 'HOST[:PORT]',
    help: 'readiness: the server --send-to-self mails through',
  },
  {
    name: 'smtp-user',
    type: 'string',
    arg: 'USER',
    help: 'readiness: SMTP login (the password in $KPCI_SMTP_PASSWORD)',
  },
  { name: 'smtp-encryption', type: 'string', arg: 'none|tls|ssl', help: 'readiness: SMTP encryption (default none)' },
  {
    name: 'send-to-self',
    type: 'boolean',
    help: 'readiness: mail the series to its author with git send-email, as a last check',
  },
];

/** The parseArgs options object for RUN_OPTIONS. */
export function parseArgsOptions(): Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> {
  return Object.fromEntries(
    RUN_OPTIONS.map((o) => [
      o.name,
      { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) },
    ]),
  );
}

export const EXIT_CODES = [
  ['0', 'the series passed'],
  ['1', 'the series has problems: the verdict is fail'],
  [
    '2',
    'the run could not be done: bad usage, unreadable input, a missing tool, ' +
      'an infrastructure failure (one line says which)',
  ],
] as const;

export const ENVIRONMENT = [
  ['KPCI_CACHE_DIR', 'the default of --cache-dir'],
  ['CCACHE_DIR', 'the default of --ccache-dir'],
  ['KPCI_ACCEL', 'kvm or tcg: the QEMU accelerator, instead of probing /dev/kvm'],
  ['KPCI_SMTP_PASSWORD', 'the password for --smtp-user'],
  ['KPCI_FETCH_ATTEMPTS', 'how often a git fetch of --tree is tried (default 3)'],
  ['XDG_CACHE_HOME', 'where the default cache dir lives (~/.cache)'],
] as const;

const table = (rows: readonly (readonly [string, string])[], width: number) =>
  rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n');

export function runHelp(): string {
  const flags = RUN_OPTIONS.map(
    (o) => [`${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.arg ? ` ${o.arg}` : ''}`, o.help] as const,
  );
  const width = Math.max(...flags.map(([f]) => f.length));
  return [
    'usage: kernel-patch-ci run [OPTIONS] [PATCH…]',
    '',
    'Vet a kernel patch series as its maintainers will: apply it, run checkpatch and sparse, build the config',
    'matrix, boot every kernel in QEMU with the dm/md workloads, and check it is ready to mail.',
    '',
    'options:',
    table(flags, width),
    '',
    'exit codes:',
    table(EXIT_CODES, 1),
    '',
    'environment:',
    table(ENVIRONMENT, Math.max(...ENVIRONMENT.map(([k]) => k.length))),
  ].join('\n');
}

export const COMMANDS = [
  ['run', 'vet a patch series (kernel-patch-ci run --help for its options)'],
  ['doctor', 'say which tools each stage needs, which are here, and whether QEMU can use KVM'],
  ['version', 'print the version'],
  ['help', 'print this, or `help run`'],
] as const;

export function mainHelp(): string {
  return [
    'usage: kernel-patch-ci <command> [OPTIONS]',
    '',
    'commands:',
    table(COMMANDS, 7),
    '',
    'exit codes:',
    table(EXIT_CODES, 1),
  ].join('\n');
}

export function doctorHelp(): string {
  return [
    'usage: kernel-patch-ci doctor [--stages NAME[,NAME…]] [--configs NAME|FILE[,…]] [--cache-dir DIR]',
    '',
    "Per stage, the tools it needs and their versions, the compilers for the cells' arches, whether QEMU really",
    'starts a guest under KVM (else TCG), the free disk under the cache dir, and Node: one table.',
    '',
    'exit codes:',
    table(
      [
        ['0', 'every asked stage can run here'],
        ['2', 'something a stage needs is missing (the table says what)'],
      ],
      1,
    ),
  ].join('\n');
}
