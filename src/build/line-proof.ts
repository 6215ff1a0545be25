// Proof of compile per changed line, in one cell: preprocess a marked copy of each changed file with the exact
// command kbuild compiled its object with (from the object's .cmd file), and see which markers survived.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { instrumentLines, keptLines, preprocessCommand, shellWords } from '../kernel/cpp-lines.js';
import { runSavedCompile } from '../tools/gcc.js';

/** What one cell's compiler saw of one changed file. */
export type FileLines =
  { built: true; marked: number[]; kept: number[] } | { built: false; marked: number[]; why: string };

/** Pure: the compile command a kbuild .cmd file saved for its object ("savedcmd_…" since 6.3, "cmd_…" before). */
export function savedCompileCommand(cmdFile: string): string | undefined {
  const m = /^(?:saved)?cmd_\S+\s*:=\s*(.*)$/m.exec(cmdFile);
  return m?.[1];
}

/**
 * For each changed file whose object this cell built: which of its changed code lines the preprocessor kept.
 * Runs after the patched build, with the tree at the patched commit.
 */
export async function compiledLines(
  treeDir: string,
  buildDir: string,
  changed: ReadonlyMap<string, number[]>,
  builtObjects: readonly string[],
  timeoutMs: number,
): Promise<Map<string, FileLines>> {
  const out = new Map<string, FileLines>();
  const scratch = path.join(buildDir, '.kpci-lines');
  await mkdir(scratch, { recursive: true });
  for (const [file, lines] of changed) {
    const source = await readFile(path.join(treeDir, file), 'utf8').catch(() => undefined);
    if (source === undefined) continue;
    const marked = instrumentLines(source, lines);
    const object = file.replace(/\.c$/, '.o');
    if (!builtObjects.includes(object)) {
      out.set(file, { built: false, marked: marked.marked, why: 'its object is not built in this config' });
      continue;
    }
    const cmdFile = path.join(buildDir, path.dirname(object), `.${path.basename(object)}.cmd`);
    const saved = savedCompileCommand(await readFile(cmdFile, 'utf8').catch(() => ''));
    if (!saved) {
      out.set(file, { built: false, marked: marked.marked, why: `no compile command saved for ${object}` });
      continue;
    }
    const copy = path.join(scratch, file.replace(/\//g, '__'));
    await writeFile(copy, marked.text);
    const compile = shellWords(saved);
    // the copy lives elsewhere: its "quoted" includes must still find the headers beside the original
    const args = preprocessCommand(compile, copy, `${copy}.i`);
    args.splice(args.length - 4, 0, '-iquote', path.join(treeDir, path.dirname(file)));
    if (!(await runSavedCompile(args, buildDir, timeoutMs))) {
      // a file the compiler cannot even preprocess was compiled and failed: its error is the build's finding
      out.set(file, { built: true, marked: marked.marked, kept: marked.marked });
      continue;
    }
    const kept = keptLines(await readFile(`${copy}.i`, 'utf8'));
    out.set(file, { built: true, marked: marked.marked, kept: marked.marked.filter((l) => kept.has(l)) });
  }
  return out;
}
