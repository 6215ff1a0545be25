// One boot of one kernel: fresh scratch disks, QEMU under a watchdog (time to reach init, time per scenario, total),
// the console parsed, the results disk unpacked, and every scratch file removed again.
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { extractTar } from '../tools/tar.js';
import { qemuArgs, qemuBinary, runQemu, type Accel } from '../tools/qemu.js';
import { commandLine, shellQuote } from '../tools/shell-quote.js';
import { probeKvm } from '../tools/kvm-probe.js';
import { consoleLineSplitter, GUEST_MARKERS, parseConsole, type ConsoleReport } from './console.js';

export interface KernelBootOptions {
  arch: string;
  kernel: string;
  initrd: string;
  /** Scratch dir of this boot: disks and the unpacked results live here. */
  dir: string;
  accel: Accel;
  memoryMiB: number;
  cpus: number;
  /** Scenario names to run (kpci.only); all when undefined. */
  only?: string[];
  /** Extra kernel command line words. */
  append?: string[];
  /** Until our init prints its first line. */
  bootTimeoutMs: number;
  /** For one scenario, from its begin marker to its result line. */
  scenarioTimeoutMs: number;
  totalTimeoutMs: number;
  /** The unpacked results disk is wanted (gcov counters). */
  collectResults?: boolean;
  /** One queue, each scenario's counters kept apart (gcov-by/NAME in the results): for the scenario map. */
  learn?: boolean;
  /** The maintainers' suite tests to run after the scenarios, from this suites disk. */
  suites?: SuiteRun;
}

export interface SuiteRun {
  disk: string;
  /** suite:test ids, in order. */
  tests: string[];
  mode: 'default' | 'full';
  /** Each attempt's own limit in the guest. */
  timeoutSeconds: number;
  /** Reruns of a failing test before it counts as failed. */
  reruns: number;
}

/** The host's limit for one scenario or suite test: a suite test has its own, a little over the guest's. */
export function limitFor(name: string, limits: Pick<KernelBootOptions, 'scenarioTimeoutMs' | 'suites'>): number {
  return name.includes(':') && limits.suites ? limits.suites.timeoutSeconds * 1000 + 30_000 : limits.scenarioTimeoutMs;
}

export interface KernelBoot {
  console: string;
  report: ConsoleReport;
  /** Why the watchdog stopped the guest, when it did. */
  killed?: string;
  durationMs: number;
  /** From QEMU's start to the first scenario's begin marker. */
  toFirstScenarioMs?: number;
  /** Where the guest's results tar was unpacked. */
  resultsDir?: string;
  /** The boot as shell lines: its scratch disks made, then QEMU's command line. */
  command: string[];
  /** Host milliseconds each suite's tests took (suite → ms), when suite tests ran. */
  suitesMs?: Record<string, number>;
}

const SCRATCH_DISKS = 4;
const SCRATCH_MIB = 256;
const RESULTS_MIB = 64;

async function sparseFile(file: string, mib: number): Promise<void> {
  const handle = await open(file, 'w');
  try {
    await handle.truncate(mib * 1024 * 1024);
  } finally {
    await handle.close();
  }
}

/** What the host follows on the live console: whether our init started, and which scenarios run since when. */
export class LiveConsole {
  init = false;
  firstScenarioAt?: number;
  /** Host milliseconds each suite's tests took, reruns included (by suite name). */
  readonly suitesMs: Record<string, number> = {};
  // begun and not yet reported: the guest runs two queues side by side, so a result ends only its own scenario
  private readonly running = new Map<string, number>();
  private readonly testStartedAt = new Map<string, number>();

  constructor(private readonly startedAt: number) {}

  line(text: string, now: number): void {
    if (GUEST_MARKERS.init.test(text)) this.init = true;
    const begin = GUEST_MARKERS.begin.exec(text);
    const result = GUEST_MARKERS.result.exec(text);
    if (begin) {
      this.running.set(begin[2]!, now);
      this.firstScenarioAt ??= now - this.startedAt;
      if (begin[2]!.includes(':')) this.testStartedAt.set(begin[2]!, this.testStartedAt.get(begin[2]!) ?? now);
    } else if (result) {
      this.running.delete(result[3]!);
      const since = this.testStartedAt.get(result[3]!);
      const suite = result[3]!.split(':')[0]!;
      if (since !== undefined) this.suitesMs[suite] = (this.suitesMs[suite] ?? 0) + (now - since);
    }
  }

  /** Why the guest must be stopped at `now`, if it must. */
  overdue(
    now: number,
    limits: Pick<KernelBootOptions, 'bootTimeoutMs' | 'scenarioTimeoutMs' | 'suites'>,
  ): string | undefined {
    if (!this.init)
      return now - this.startedAt > limits.bootTimeoutMs
        ? `the kernel did not start our init within ${limits.bootTimeoutMs / 1000}s`
        : undefined;
    const late = [...this.running].find(([name, since]) => now - since > limitFor(name, limits));
    if (!late) return undefined;
    const what = late[0].includes(':') ? 'suite test' : 'scenario';
    return `${what} ${late[0]} did not finish within ${limitFor(late[0], limits) / 1000}s`;
  }
}

export async function bootKernel(opts: KernelBootOptions): Promise<KernelBoot> {
  await rm(opts.dir, { recursive: true, force: true });
  await mkdir(opts.dir, { recursive: true });
  const disks = Array.from({ length: SCRATCH_DISKS }, (_, i) => path.join(opts.dir, `scratch${i}.img`));
  const resultsDisk = path.join(opts.dir, 'results.img');
  for (const d of disks) await sparseFile(d, SCRATCH_MIB);
  await sparseFile(resultsDisk, RESULTS_MIB);

  const started = Date.now();
  const live = new LiveConsole(started);
  const abort = new AbortController();
  let killed: string | undefined;
  const splitter = consoleLineSplitter();
  const onLine = (raw: string) => splitter.push(raw).forEach((line) => live.line(line, Date.now()));
  const timer = setInterval(() => {
    const why = live.overdue(Date.now(), opts);
    if (why && !killed) {
      killed = why;
      abort.abort();
    }
  }, 250);
  const append = [
    `kpci.out=/dev/vd${String.fromCharCode(97 + SCRATCH_DISKS)}`,
    ...(opts.only ? [`kpci.only=${opts.only.join(',') || '-'}`] : []),
    ...(opts.learn ? ['kpci.learn=1'] : []),
    ...(opts.suites && opts.suites.tests.length
      ? [
          `kpci.suites=${opts.suites.tests.join(',')}`,
          `kpci.suitedisk=/dev/vd${String.fromCharCode(98 + SCRATCH_DISKS)}`,
          `kpci.suitetimeout=${opts.suites.timeoutSeconds}`,
          `kpci.reruns=${opts.suites.reruns}`,
          `kpci.suitemode=${opts.suites.mode}`,
        ]
      : []),
    ...(opts.append ?? []),
  ];
  const qemu = {
    arch: opts.arch,
    kernel: opts.kernel,
    initrd: opts.initrd,
    append,
    memoryMiB: opts.memoryMiB,
    cpus: opts.cpus,
    disks: [...disks, resultsDisk],
    ...(opts.suites && opts.suites.tests.length ? { snapshotDisks: [opts.suites.disk] } : {}),
    accel: opts.accel,
  };
  const command = [
    ...disks.map((d) => `truncate -s ${SCRATCH_MIB}M ${shellQuote(d)}`),
    `truncate -s ${RESULTS_MIB}M ${shellQuote(resultsDisk)}`,
    commandLine([qemuBinary(opts.arch), ...qemuArgs(qemu)]),
  ];
  let result;
  try {
    result = await runQemu(qemu, { timeoutMs: opts.totalTimeoutMs, onLine, signal: abort.signal });
  } catch (error) {
    await rm(opts.dir, { recursive: true, force: true }); // QEMU could not start: leave no disks behind
    throw error;
  } finally {
    clearInterval(timer);
  }
  if (result.timedOut && !killed) killed = `the guest did not finish within ${opts.totalTimeoutMs / 1000}s`;
  const console = result.stdout + (result.stderr ? `\n${result.stderr}` : '');
  const report = parseConsole(console);

  let resultsDir: string | undefined;
  if (opts.collectResults && report.ended) {
    const dir = path.join(opts.dir, 'results');
    await mkdir(dir, { recursive: true });
    if ((await extractTar(resultsDisk, dir, { timeoutMs: 60_000 })).ok) resultsDir = dir;
  }
  for (const d of [...disks, resultsDisk]) await rm(d, { force: true });
  return {
    console,
    report,
    command,
    ...(killed ? { killed } : {}),
    durationMs: Date.now() - started,
    ...(live.firstScenarioAt !== undefined ? { toFirstScenarioMs: live.firstScenarioAt } : {}),
    ...(resultsDir ? { resultsDir } : {}),
    ...(Object.keys(live.suitesMs).length ? { suitesMs: live.suitesMs } : {}),
  };
}

export interface AccelChoice {
  accel: Accel;
  why: string;
}

const probed = new Map<string, Promise<AccelChoice>>();

/**
 * KVM only when a guest really starts under it: /dev/kvm can exist and still leave a guest stuck before its
 * first console line (seen on this project's build machines). The tiny probe guest must run, then the real kernel
 * must reach its init. KPCI_ACCEL=tcg|kvm overrides both.
 */
export function chooseAccel(
  probe: Omit<KernelBootOptions, 'accel' | 'only' | 'dir' | 'collectResults'> & { dir: string },
  env: NodeJS.ProcessEnv = process.env,
): Promise<AccelChoice> {
  const forced = env.KPCI_ACCEL;
  if (forced === 'tcg' || forced === 'kvm') return Promise.resolve({ accel: forced, why: 'KPCI_ACCEL' });
  const key = probe.arch;
  let choice = probed.get(key);
  if (!choice) {
    choice = (async (): Promise<AccelChoice> => {
      // the sub-second probe first (doctor's): where QEMU cannot run any guest under KVM, no kernel boot is spent
      const quick = await probeKvm(probe.arch);
      if (quick.accel === 'tcg') return quick;
      const boot = await bootKernel({
        ...probe,
        accel: 'kvm',
        only: [],
        totalTimeoutMs: 20_000,
        bootTimeoutMs: 15_000,
        dir: path.join(probe.dir, 'kvm-probe'),
      });
      await rm(path.join(probe.dir, 'kvm-probe'), { recursive: true, force: true });
      if (boot.report.ended)
        return { accel: 'kvm', why: `a probe guest booted under KVM in ${(boot.durationMs / 1000).toFixed(1)}s` };
      await writeFile(path.join(probe.dir, 'kvm-probe.log'), boot.console).catch(() => undefined);
      const last = boot.console
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .at(-1)
        ?.slice(0, 160);
      return {
        accel: 'tcg',
        why:
          '/dev/kvm is there but a probe guest did not start under it ' +
          `(${boot.killed ?? last ?? 'no console output'})`,
      };
    })();
    probed.set(key, choice);
    choice.catch(() => probed.delete(key)); // a failure (qemu missing) is reported, not remembered
  }
  return choice;
}
