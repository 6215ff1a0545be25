// gcov: the JSON intermediate format of one source file's counters, read from its object directory.
import { execTool } from './exec.js';

/** gcov's JSON document for `<objDir>/<base>.gcda` against its .gcno; undefined when gcov cannot read them. */
export async function gcovJson(objDir: string, base: string): Promise<unknown> {
  const result = await execTool('gcov', ['--json-format', '--stdout', '--object-directory', objDir, `${base}.c`], {
    cwd: objDir,
    timeoutMs: 60_000,
  });
  if (result.code !== 0) return undefined;
  const json = result.stdout.split('\n').find((l) => l.startsWith('{'));
  return json ? (JSON.parse(json) as unknown) : undefined;
}
