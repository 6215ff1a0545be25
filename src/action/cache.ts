// What the Action keeps between workflow runs: each job's ccache, the imported or fetched kernel tree, and the guest's
// Debian packages. Keys are built here, in one place, from parts that mean something; action.yml's
// actions/cache/restore and actions/cache/save steps use them (a composite step's `run:` gets no cache token, so
// @actions/cache cannot be called from here: actions/toolkit#852).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Cell } from '../kernel/cells.js';
import type { TreeSource } from '../tree/source.js';
import { directoryGitDir, tarballGitDir } from '../tree/import.js';
import { remoteGitDir } from '../tree/prepare.js';

export interface CacheSpec {
  /** What it is, for the log: "ccache (x86_64-dm)". */
  what: string;
  paths: string[];
  key: string;
  restoreKeys: string[];
}

const hash = (...parts: string[]) => createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 16);

/** Cache keys may not contain commas; everything else is printable already. */
const part = (s: string) => s.replace(/[^\w.+-]/g, '_');

/** A key and its fallbacks, most specific first: every prefix of the parts that still means something. */
function keyFrom(name: string, parts: string[], minimum = 1): { key: string; restoreKeys: string[] } {
  const key = [`kpci-${name}`, ...parts.map(part)].join('-');
  const restoreKeys: string[] = [];
  for (let n = parts.length - 1; n >= minimum; n--)
    restoreKeys.push([`kpci-${name}`, ...parts.slice(0, n).map(part)].join('-') + '-');
  return { key, restoreKeys };
}

/**
 * ccache of the cells this job builds: arch, compiler version and the fragments' content decide whether objects
 * can be shared; the base commit makes each run's save a new entry, restored by prefix next time.
 */
export async function ccacheSpec(opts: {
  os: string;
  cells: Cell[];
  compiler: string;
  baseCommit: string;
  ccacheDir: string;
}): Promise<CacheSpec> {
  const fragments = await Promise.all(
    opts.cells.map(async (c) => `${c.name}\n${await readFile(c.fragmentPath, 'utf8')}`),
  );
  const arches = [...new Set(opts.cells.map((c) => c.arch))].join('+');
  const { key, restoreKeys } = keyFrom(
    'ccache',
    [opts.os, arches, hash(opts.compiler), hash(...fragments), opts.baseCommit.slice(0, 12)],
    3,
  );
  return { what: `ccache (${opts.cells.map((c) => c.name).join(', ')})`, paths: [opts.ccacheDir], key, restoreKeys };
}

/** The repository this source is kept in under the cache dir; a local checkout is only borrowed, not cached. */
export async function treeCacheDir(source: TreeSource, cacheDir: string): Promise<string | undefined> {
  switch (source.kind) {
    case 'remote':
      return remoteGitDir(source.url, cacheDir);
    case 'tarball':
      return tarballGitDir(source.file, cacheDir);
    case 'plain-dir':
      return directoryGitDir(source.dir, cacheDir);
    default:
      return undefined;
  }
}

export function treeSpec(opts: {
  os: string;
  source: string;
  ref?: string;
  dir: string;
  baseCommit?: string;
}): CacheSpec {
  const { key, restoreKeys } = keyFrom(
    'tree',
    [opts.os, hash(opts.source, opts.ref ?? ''), (opts.baseCommit ?? 'unknown').slice(0, 12)],
    2,
  );
  return { what: 'kernel tree', paths: [opts.dir], key, restoreKeys };
}

/**
 * The guest packages: the package list decides what is wanted; the names of the cached archives (which carry the
 * resolved versions) make the key of what was saved, so a new Debian point release saves a new entry.
 */
export async function guestSpec(opts: {
  os: string;
  arches: string[];
  guestDir: string;
  cacheDir: string;
}): Promise<CacheSpec> {
  const list = await readFile(path.join(opts.guestDir, 'packages.txt'), 'utf8').catch(() => '');
  const dir = path.join(opts.cacheDir, 'guest');
  const archives: string[] = [];
  for (const arch of existsSync(dir) ? (await readdir(dir)).sort() : []) {
    for (const name of (await readdir(path.join(dir, arch)).catch(() => [])).sort()) archives.push(`${arch}/${name}`);
  }
  const { key, restoreKeys } = keyFrom(
    'guest',
    [opts.os, [...opts.arches].sort().join('+'), hash(list), archives.length ? hash(...archives) : 'none'],
    3,
  );
  return { what: 'guest packages', paths: [dir], key, restoreKeys };
}

/**
 * What earlier runs proved of the base (<cache>/base): restored by the base commit and what decides a cell's build;
 * saved under the names of the entries now there, so a run that added one saves a new entry and one that only read
 * saves nothing.
 */
export async function baseSpec(opts: {
  os: string;
  cells: Cell[];
  compiler: string;
  baseCommit: string;
  cacheDir: string;
}): Promise<CacheSpec> {
  const dir = path.join(opts.cacheDir, 'base');
  const fragments = await Promise.all(
    opts.cells.map(async (c) => `${c.name}\n${await readFile(c.fragmentPath, 'utf8')}`),
  );
  const entries: string[] = [];
  for (const kind of ['sparse', 'build', 'boot'])
    for (const name of (await readdir(path.join(dir, kind)).catch(() => [])).sort())
      if (!name.startsWith('.')) entries.push(`${kind}/${name}`);
  const { key, restoreKeys } = keyFrom(
    'base',
    [
      opts.os,
      opts.baseCommit.slice(0, 12),
      hash(opts.compiler),
      hash(...fragments),
      entries.length ? hash(...entries) : 'none',
    ],
    4,
  );
  return { what: 'base results', paths: [dir], key, restoreKeys };
}

/** A spec as the outputs the cache steps read: `<name>-path`, `<name>-key`, `<name>-restore-keys` (one per line). */
export function cacheOutputs(name: string, spec: CacheSpec): Record<string, string> {
  return {
    [`${name}-path`]: spec.paths.join('\n'),
    [`${name}-key`]: spec.key,
    [`${name}-restore-keys`]: spec.restoreKeys.join('\n'),
  };
}

/** The same outputs, empty: the cache steps of a stage that does not run are skipped on `key != ''`. */
export function noCacheOutputs(name: string): Record<string, string> {
  return { [`${name}-path`]: '', [`${name}-key`]: '', [`${name}-restore-keys`]: '' };
}

/** ccache's size bound when the user gives none: about 1G a cell, so two cells stay well inside GitHub's 10 GB. */
export function defaultCcacheSize(cells: number): string {
  return `${Math.max(1, cells)}G`;
}
