// Compiler diagnostics with their fingerprints, read against the source as it is checked out right now.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { enclosingFunction } from '../kernel/cfunc.js';
import { fingerprint } from './fingerprint.js';
import type { Diagnostic } from '../tools/gcc-diagnostics.js';

export interface Located extends Diagnostic {
  key: string;
}

/** Call while the revision the diagnostics came from is checked out: the enclosing function is read from it. */
export async function locate(diags: readonly Diagnostic[], treeDir: string): Promise<Located[]> {
  const sources = new Map<string, string>();
  const located: Located[] = [];
  for (const d of diags) {
    if (!sources.has(d.file)) sources.set(d.file, await readFile(path.join(treeDir, d.file), 'utf8').catch(() => ''));
    located.push({ ...d, key: fingerprint(d, enclosingFunction(sources.get(d.file)!, d.line)) });
  }
  return located;
}
