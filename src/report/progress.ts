// Progress on stderr: one line per stage start/end with elapsed time, and a heartbeat while a long step runs.

export interface Progress {
  stageStart(name: string): void;
  stageEnd(name: string, status: string, summary: string, ms: number): void;
  info(message: string): void;
  /** Runs `work` and prints "still <what> (Ns)" every interval until it settles. */
  alive<T>(what: string, work: Promise<T>): Promise<T>;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

export function stderrProgress(
  write: (line: string) => void = (l) => process.stderr.write(l + '\n'),
  heartbeatMs = 30_000,
): Progress {
  const started = Date.now();
  const stamp = () => `[${seconds(Date.now() - started).padStart(7)}]`;
  return {
    stageStart: (name) => write(`${stamp()} ${name}: started`),
    stageEnd: (name, status, summary, ms) => write(`${stamp()} ${name}: ${status} in ${seconds(ms)} — ${summary}`),
    info: (message) => write(`${stamp()} ${message}`),
    async alive(what, work) {
      const t0 = Date.now();
      const timer = setInterval(() => {
        write(`${stamp()}   … still ${what} (${seconds(Date.now() - t0)})`);
      }, heartbeatMs);
      try {
        return await work;
      } finally {
        clearInterval(timer);
      }
    },
  };
}
