// The tree's own scripts/decode_stacktrace.sh: "func+0x1f/0x80" frames become "func (file.c:123)", found with
// addr2line in the vmlinux the kernel was built as. That needs its debug info: frames it cannot place stay as
// they were.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { execTool } from './exec.js';
import { treeRelative } from './gcc-diagnostics.js';

/** A frame the script decoded ends with its location, "(file.c:123)" or "(a.h:3 file.c:9)"; "(file.c:?)", all a
 *  vmlinux without debug info gives, would only lose the offset. */
const LOCATED = /\([^()\s]+:\d+( [^()\s]+:(\d+|\?))*\)\s*$/;

export interface DecodeRequest {
  treeDir: string;
  vmlinux: string;
  /** Kernel messages (no printk timestamps), one per line. */
  messages: readonly string[];
  timeoutMs?: number;
}

/**
 * The messages with their frames decoded, one output line per input line; undefined when the script or the
 * vmlinux is missing, the script fails or times out. A Code: line is left as it is: decoding it would
 * disassemble it into thirty lines.
 */
export async function decodeStacktrace(req: DecodeRequest): Promise<string[] | undefined> {
  const script = path.join(req.treeDir, 'scripts', 'decode_stacktrace.sh');
  if (!existsSync(script) || !existsSync(req.vmlinux)) return undefined;
  // the script reads with a plain `read`: it drops leading blanks and backslashes, so those are put back after
  const input = req.messages.map((m) => (/\bCode: /.test(m) ? '' : m.replace(/\\/g, '')));
  // the source root is given, not guessed: the script guesses from init/main.c, which may have no debug info
  const result = await execTool('bash', [script, req.vmlinux, path.resolve(req.treeDir)], {
    input: input.join('\n') + '\n',
    timeoutMs: req.timeoutMs ?? 60_000,
  }).catch(() => undefined);
  if (!result || result.code !== 0 || result.timedOut) return undefined;
  // addr2line tells apart code paths on one line with "(discriminator N)": no use to a reader, and it would nest
  const out = result.stdout
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => l.replace(/ \(discriminator \d+\)/g, ''));
  if (out.length !== input.length) return undefined;
  // only lines that gained a location are taken: the script rewrites some others ("[<addr>]" words) on its way
  return req.messages.map((m, i) =>
    LOCATED.test(out[i]!) && !LOCATED.test(m)
      ? `${/^\s*/.exec(m)![0]}${locationsInTree(out[i]!.trim(), req.treeDir)}`
      : m,
  );
}

/** Locations as paths in the tree: an O= build records "<build dir>/../../linux/drivers/md/dm-crypt.c". */
function locationsInTree(decoded: string, treeDir: string): string {
  const root = path.resolve(treeDir);
  return decoded.replace(LOCATED, (where) =>
    where.replace(
      /([^\s()]+):(\d+|\?)/g,
      (_, file: string, line: string) => `${treeRelative(path.resolve(root, file), root)}:${line}`,
    ),
  );
}
