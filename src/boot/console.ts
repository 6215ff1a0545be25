// Pure: read a guest's serial console — our KTAP lines and markers, and the kernel's own messages.
// Kernel lines carry a printk timestamp ("[    1.234567] …", CONFIG_PRINTK_TIME); our userspace lines do not.

export type ScenarioStatus = 'pass' | 'fail' | 'skip' | 'missing';

export interface ScenarioOutcome {
  n: number;
  name: string;
  status: ScenarioStatus;
  reason?: string;
  /** "# kpci-hash <label> <sha256>" lines: ciphertext written by this scenario. */
  hashes: Record<string, string>;
  /** A suite test's attempts in order ("# kpci-attempts suite:test fail pass"): reruns of a failure. */
  attempts?: ('pass' | 'fail' | 'skip')[];
  /** Other "# " diagnostic lines the guest printed for this scenario (its log tail on failure). */
  notes: string[];
  /** Console line index of its begin marker, and of the line after its result (without one: the end marker, or the
   *  end of the console). Two scenarios' ranges overlap when the queues run side by side. */
  firstLine: number;
  endLine: number;
}

export interface ConsoleReport {
  lines: string[];
  kernelVersion?: string;
  memTotalKb?: number;
  highTotalKb?: number;
  /** The KTAP plan ("1..N"), when printed: the scenarios and the suite tests. */
  planned?: number;
  /** How many of the planned are suite tests ("# kpci-suites N"). */
  suitesPlanned?: number;
  scenarios: ScenarioOutcome[];
  /** The guest printed its end marker: every scenario finished and the results disk was written. */
  ended: boolean;
  /** Index of the end marker's line. */
  endLine?: number;
  /** Index of the line where our init started ("# kpci-guest"), if it did. */
  initLine?: number;
}

const KERNEL_LINE = /^\[\s*\d+\.\d+\] ?(.*)$/;

/** The message of a kernel log line, or undefined for a userspace line. */
export function kernelMessage(line: string): string | undefined {
  const m = KERNEL_LINE.exec(line);
  return m ? m[1] : undefined;
}

// Serial consoles deliver \r\n and, after a guest crash, arbitrary bytes: keep lines printable.
function clean(line: string): string {
  /* eslint-disable no-control-regex -- control characters are what this removes */
  return line
    .replace(/\r/g, '')
    .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
    .replace(/[\x00-\x08\x0b-\x1f\x7f\ufffd]/g, '');
  /* eslint-enable no-control-regex */
}

// A record printed while another CPU or userspace was half-way through a line lands in the middle of it. Each
// record gets its own line, and the interrupted userspace text is joined to its rest on the next userspace line.
const RECORD_START = /\[\s*\d+\.\d{6}\]/g;

/** A splitter fed raw console lines in order, giving back clean ones (none, while our line waits for its rest). */
export function consoleLineSplitter(): { push(raw: string): string[]; flush(): string[] } {
  let interrupted = '';
  return {
    push(raw) {
      const line = clean(raw);
      const starts = [...line.matchAll(RECORD_START)].map((m) => m.index!);
      if (starts.length === 0) {
        const joined = interrupted + line;
        interrupted = '';
        return [joined];
      }
      if (starts[0]! > 0) interrupted += line.slice(0, starts[0]);
      return starts.map((at, k) => line.slice(at, starts[k + 1]));
    },
    flush: () => (interrupted ? [interrupted] : []),
  };
}

export function consoleLines(text: string): string[] {
  const splitter = consoleLineSplitter();
  return [...text.split('\n').flatMap((raw) => splitter.push(raw)), ...splitter.flush()];
}

const lastWhere = <T>(items: readonly T[], ok: (item: T) => boolean): T | undefined => [...items].reverse().find(ok);

/** Our init's lines that mark a scenario's life, read here after the boot and by the host's live watchdog during it. */
export const GUEST_MARKERS = {
  init: /^# kpci-guest /,
  begin: /^# kpci-begin (\d+) (\S+)$/,
  result: /^(not ok|ok) (\d+) (\S+)(?: # (.*))?$/,
};

export function parseConsole(text: string): ConsoleReport {
  const lines = consoleLines(text);
  const report: ConsoleReport = { lines, scenarios: [], ended: false };
  // the scenario whose result block is being printed ("# kpci-time name" up to its result line)
  let reporting: ScenarioOutcome | undefined;
  const owner = () => reporting ?? lastWhere(report.scenarios, (x) => x.status === 'missing');
  lines.forEach((line, i) => {
    const kernel = kernelMessage(line);
    if (kernel !== undefined) {
      const v = /^Linux version (\S+)/.exec(kernel);
      if (v && !report.kernelVersion) report.kernelVersion = v[1];
      return;
    }
    let m: RegExpExecArray | null;
    if ((m = GUEST_MARKERS.init.exec(line))) report.initLine ??= i;
    else if ((m = /^# kpci-meminfo (MemTotal|HighTotal):\s*(\d+) kB/.exec(line))) {
      if (m[1] === 'MemTotal') report.memTotalKb = Number(m[2]);
      else report.highTotalKb = Number(m[2]);
    } else if ((m = /^1\.\.(\d+)$/.exec(line))) report.planned = Number(m[1]);
    else if ((m = /^# kpci-suites (\d+)$/.exec(line))) report.suitesPlanned = Number(m[1]);
    else if ((m = GUEST_MARKERS.begin.exec(line))) {
      // a suite test's rerun begins again under the same number
      if (report.scenarios.some((x) => x.n === Number(m![1]) && x.name === m![2] && x.status === 'missing')) return;
      report.scenarios.push({
        n: Number(m[1]),
        name: m[2]!,
        status: 'missing',
        hashes: {},
        notes: [],
        firstLine: i,
        endLine: -1,
      });
    } else if ((m = /^# kpci-time (\S+) /.exec(line))) {
      reporting = lastWhere(report.scenarios, (x) => x.name === m![1] && x.status === 'missing');
    } else if ((m = GUEST_MARKERS.result.exec(line))) {
      const s = report.scenarios.find((x) => x.n === Number(m![2]) && x.name === m![3]);
      if (!s) return;
      const directive = m[4] ?? '';
      s.status = /^SKIP\b/i.test(directive) ? 'skip' : m[1] === 'ok' ? 'pass' : 'fail';
      const reason = directive.replace(/^SKIP\s*/i, '').trim();
      if (reason) s.reason = reason;
      s.endLine = i + 1; // the guest cleans up before it prints the result: cleanup is inside
      if (reporting === s) reporting = undefined;
    } else if ((m = /^# kpci-attempts (\S+)((?: (?:pass|fail|skip))+)$/.exec(line))) {
      const s = owner();
      if (s && s.name === m[1]) s.attempts = m[2]!.trim().split(' ') as ('pass' | 'fail' | 'skip')[];
    } else if ((m = /^# kpci-hash (\S+) ([0-9a-f]{64})$/.exec(line))) {
      const s = owner();
      if (s) s.hashes[m[1]!] = m[2]!;
    } else if (/^# kpci-end$/.test(line)) {
      report.ended = true;
      report.endLine ??= i;
    } else if (line.startsWith('# ') && !line.startsWith('# kpci-')) {
      owner()?.notes.push(line.slice(2));
    }
  });
  for (const s of report.scenarios) if (s.endLine < 0) s.endLine = report.endLine ?? lines.length;
  return report;
}

/** The scenarios running at console line `line`: begun, and their result not yet printed. */
export function runningAt(report: ConsoleReport, line: number): ScenarioOutcome[] {
  return report.scenarios.filter((s) => line >= s.firstLine && line < s.endLine);
}

/**
 * The scenario a guest died in before its begin marker reached the console: the first one planned that never began,
 * when every one that began has a result and the guest never ended. Our init prints the marker and starts the
 * scenario at once; a guest that reboots or panics right away can lose the tty's unsent output, marker included.
 */
export function silentScenario(report: ConsoleReport): number | undefined {
  if (report.ended || report.initLine === undefined || report.planned === undefined) return undefined;
  if (report.scenarios.some((s) => s.status === 'missing')) return undefined;
  for (let n = 1; n <= report.planned; n++) if (!report.scenarios.some((s) => s.n === n)) return n;
  return undefined;
}

/** The last `n` non-empty console lines: what to show when a guest hangs or dies. */
export function tail(lines: readonly string[], n = 15): string[] {
  return lines.filter((l) => l.trim() !== '').slice(-n);
}

/**
 * The KTAP document of a guest run, in test-number order (the two queues print their results as they finish):
 * each scenario's diagnostics, then its result. Empty when the guest never got as far as its plan.
 */
export function ktapDocument(report: ConsoleReport): string {
  if (report.planned === undefined) return '';
  const out = ['KTAP version 1', `1..${report.planned}`];
  if (report.suitesPlanned) out.push(`# kpci-suites ${report.suitesPlanned}`);
  for (const s of [...report.scenarios].sort((a, b) => a.n - b.n)) {
    out.push(`# kpci-begin ${s.n} ${s.name}`);
    for (const [label, hash] of Object.entries(s.hashes)) out.push(`# kpci-hash ${label} ${hash}`);
    if (s.attempts) out.push(`# kpci-attempts ${s.name} ${s.attempts.join(' ')}`);
    for (const note of s.notes) out.push(`# ${note}`);
    const directive =
      s.status === 'skip'
        ? ` # SKIP${s.reason ? ` ${s.reason}` : ''}`
        : s.status === 'missing'
          ? ' # no result'
          : s.reason
            ? ` # ${s.reason}`
            : '';
    out.push(`${s.status === 'pass' || s.status === 'skip' ? 'ok' : 'not ok'} ${s.n} ${s.name}${directive}`);
  }
  return out.join('\n') + '\n';
}
