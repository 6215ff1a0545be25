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
  /** Other "# " diagnostic lines the guest printed for this scenario (its log tail on failure). */
  notes: string[];
  /** Console line index of its begin marker, and of the first line after it (its result or the next begin). */
  firstLine: number;
  endLine: number;
}

export interface ConsoleReport {
  lines: string[];
  kernelVersion?: string;
  memTotalKb?: number;
  highTotalKb?: number;
  /** The KTAP plan ("1..N"), when printed. */
  planned?: number;
  scenarios: ScenarioOutcome[];
  /** The guest printed its end marker: every scenario finished and the results disk was written. */
  ended: boolean;
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
  return line.replace(/\r/g, '').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/[\x00-\x08\x0b-\x1f\x7f\ufffd]/g, '');
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

export function parseConsole(text: string): ConsoleReport {
  const lines = consoleLines(text);
  const report: ConsoleReport = { lines, scenarios: [], ended: false };
  let current: ScenarioOutcome | undefined;
  const close = (at: number) => {
    if (current && current.endLine < 0) current.endLine = at;
  };
  lines.forEach((line, i) => {
    const kernel = kernelMessage(line);
    if (kernel !== undefined) {
      const v = /^Linux version (\S+)/.exec(kernel);
      if (v && !report.kernelVersion) report.kernelVersion = v[1];
      return;
    }
    let m: RegExpExecArray | null;
    if ((m = /^# kpci-guest /.exec(line))) report.initLine ??= i;
    else if ((m = /^# kpci-meminfo (MemTotal|HighTotal):\s*(\d+) kB/.exec(line))) {
      if (m[1] === 'MemTotal') report.memTotalKb = Number(m[2]);
      else report.highTotalKb = Number(m[2]);
    } else if ((m = /^1\.\.(\d+)$/.exec(line))) report.planned = Number(m[1]);
    else if ((m = /^# kpci-begin (\d+) (\S+)$/.exec(line))) {
      close(i);
      current = { n: Number(m[1]), name: m[2]!, status: 'missing', hashes: {}, notes: [], firstLine: i, endLine: -1 };
      report.scenarios.push(current);
    } else if ((m = /^(not ok|ok) (\d+) (\S+)(?: # (.*))?$/.exec(line))) {
      const s = report.scenarios.find((x) => x.n === Number(m![2]) && x.name === m![3]);
      if (!s) return;
      const directive = m[4] ?? '';
      s.status = /^SKIP\b/i.test(directive) ? 'skip' : m[1] === 'ok' ? 'pass' : 'fail';
      const reason = directive.replace(/^SKIP\s*/i, '').trim();
      if (reason) s.reason = reason;
      // kernel messages printed during the scenario's cleanup, before the next begin, still belong to it
    } else if ((m = /^# kpci-hash (\S+) ([0-9a-f]{64})$/.exec(line))) {
      if (current) current.hashes[m[1]!] = m[2]!;
    } else if (/^# kpci-end$/.test(line)) {
      close(i);
      report.ended = true;
    } else if (current && current.endLine < 0 && line.startsWith('# ') && !line.startsWith('# kpci-')) {
      current.notes.push(line.slice(2));
    }
  });
  close(lines.length);
  return report;
}

/**
 * The scenario a guest died in before its begin marker reached the console: every scenario before it has a result,
 * the plan has more, and the guest never ended. Our init prints the marker and starts the scenario at once; a guest
 * that reboots or panics right away can lose the tty's unsent output, marker included.
 */
export function silentScenario(report: ConsoleReport): number | undefined {
  if (report.ended || report.initLine === undefined || report.planned === undefined) return undefined;
  const last = report.scenarios.at(-1);
  if (last?.status === 'missing') return undefined;
  const next = (last?.n ?? 0) + 1;
  return next <= report.planned ? next : undefined;
}

/** The last `n` non-empty console lines: what to show when a guest hangs or dies. */
export function tail(lines: readonly string[], n = 15): string[] {
  return lines.filter((l) => l.trim() !== '').slice(-n);
}

/** The KTAP part of a console: from its version line on (our init's own "# kpci-" lines before it are not KTAP). */
export function ktapDocument(lines: readonly string[]): string {
  const start = lines.findIndex((l) => /^KTAP version \d/.test(l));
  const ktap = (start < 0 ? [] : lines.slice(start)).filter((l) => /^(KTAP version|1\.\.|(not )?ok \d|# )/.test(l));
  return ktap.length ? ktap.join('\n') + '\n' : '';
}
