// Build cells: a named config fragment (configs/<name>.config, or a user's file) and the arch it is for.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inputError, usageError } from '../errors.js';
import { ARCHES } from './arches.js';

export interface Cell {
  name: string;
  arch: string;
  fragmentPath: string;
  /** symbol → value the fragment asks for ("n" for "is not set"). */
  wanted: Map<string, string>;
  /** One of ours (configs/), not a fragment of the user's. */
  shipped: boolean;
}

export const DEFAULT_CELLS = ['x86_64-dm', 'i386-highmem'];

/** The package root (where configs/ lives), found from this module both in src/ and in the dist/ bundle. */
export function packageRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'configs')) && existsSync(path.join(dir, 'package.json'))) return dir;
  }
  throw new Error(`cannot find the kernel-patch-ci package root above ${from}`);
}

const VALUE = /^(y|m|n|-?\d+|0x[0-9a-fA-F]+|"(?:[^"\\]|\\.)*")$/;

/** Pure: a fragment's symbols and its "# arch: NAME" header; a syntax error names the file and line. */
export function parseFragment(text: string, where: string): { arch?: string; wanted: Map<string, string> } {
  const wanted = new Map<string, string>();
  let arch: string | undefined;
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    const header = /^#\s*arch:\s*(\S+)\s*$/.exec(line);
    if (header) arch = header[1];
    const unset = /^# CONFIG_([A-Za-z0-9_]+) is not set$/.exec(line);
    if (unset) wanted.set(unset[1]!, 'n');
    if (line === '' || line.startsWith('#')) continue;
    const set = /^CONFIG_([A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (!set || !VALUE.test(set[2]!))
      throw inputError(`${where}:${i + 1}: not a config line: ${JSON.stringify(raw.slice(0, 80))}`);
    wanted.set(set[1]!, set[2]!);
  }
  return { arch, wanted };
}

/** --configs entries: shipped names, or paths to fragments of the user's own (with an "# arch:" header). */
export async function resolveCells(specs: readonly string[], root = packageRoot()): Promise<Cell[]> {
  const cells: Cell[] = [];
  for (const spec of specs) {
    const isPath = spec.includes('/') || spec.endsWith('.config');
    const fragmentPath = isPath ? path.resolve(spec) : path.join(root, 'configs', `${spec}.config`);
    if (!existsSync(fragmentPath)) {
      if (isPath) throw inputError(`config fragment ${spec} does not exist`);
      throw usageError(
        `unknown config ${JSON.stringify(spec)} (shipped: ${DEFAULT_CELLS.join(', ')}; or give a path to a fragment)`,
      );
    }
    const name = path.basename(fragmentPath).replace(/\.config$/, '');
    const { arch, wanted } = parseFragment(await readFile(fragmentPath, 'utf8'), spec);
    if (cells.some((c) => c.name === name)) throw usageError(`config ${name} is given twice`);
    // an unknown "# arch:" is the fragment's error, named with its file, not an x86 build of it
    if (arch !== undefined && !Object.hasOwn(ARCHES, arch)) {
      throw usageError(`${spec}: unknown "# arch: ${arch}" (known: ${Object.keys(ARCHES).join(', ')})`);
    }
    cells.push({ name, arch: arch ?? 'x86_64', fragmentPath, wanted, shipped: !isPath });
  }
  return cells;
}
