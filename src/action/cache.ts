// What the Action keeps between workflow runs with @actions/cache: each cell's ccache, the imported or fetched
// kernel tree, and the guest's Debian packages. Keys are built here, in one place, from parts that mean something.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as actionsCache from '@actions/cache';
import type { Cell } from '../kernel/cells.js';
import type { TreeSource } from '../tree/source.js';

export interface CacheSpec {
  /** What it is, for the log: "ccache (x86_64-dm)". */
  what: string;
  paths: string[];
  key: string;
  restoreKeys: string[];
}

/** The cache service, as an interface so that a saving failure can be shown not to fail the run. */
export interface CacheService {
  isAvailable(): boolean;
  restore(paths: string[], key: string, restoreKeys: string[]): Promise<string | undefined>;
  save(paths: string[], key: string): Promise<number>;
}

export const githubCache: CacheService = {
  isAvailable: () => actionsCache.isFeatureAvailable(),
  restore: (paths, key, restoreKeys) => actionsCache.restoreCache(paths, key, restoreKeys),
  save: (paths, key) => actionsCache.saveCache(paths, key),
};

export interface CacheLog {
  info(message: string): void;
  notice(message: string): void;
}

const hash = (...parts: string[]) => createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 16);

/** Cache keys may not contain commas; everything else is printable already. */
const part = (s: string) => s.replace(/[^\w.+-]/g, '_');

/** A key and its fallbacks, most specific first: every prefix of the parts that still means something. */
function keyFrom(name: string, parts: string[], minimum = 1): { key: string; restoreKeys: string[] } {
  const key = [`kpci-${name}`, ...parts.map(part)].join('-');
  const restoreKeys: string[] = [];
  for (let n = parts.length - 1; n >= minimum; n--) restoreKeys.push([`kpci-${name}`, ...parts.slice(0, n).map(part)].join('-') + '-');
  return { key, restoreKeys };
}

/**
 * ccache of the cells this job builds: arch, compiler version and the fragments' content decide whether objects
 * can be shared; the base commit makes each run's save a new entry, restored by prefix next time.
 */
export async function ccacheSpec(opts: { os: string; cells: Cell[]; compiler: string; baseCommit: string; ccacheDir: string }): Promise<CacheSpec> {
  const fragments = await Promise.all(opts.cells.map(async (c) => `${c.name}\n${await readFile(c.fragmentPath, 'utf8')}`));
  const arches = [...new Set(opts.cells.map((c) => c.arch))].join('+');
  const { key, restoreKeys } = keyFrom('ccache', [opts.os, arches, hash(opts.compiler), hash(...fragments), opts.baseCommit.slice(0, 12)], 3);
  return { what: `ccache (${opts.cells.map((c) => c.name).join(', ')})`, paths: [opts.ccacheDir], key, restoreKeys };
}

/** Where the tree cache of this source lives under the cache dir; a local checkout is only borrowed, not cached. */
export function treeCacheDir(source: TreeSource, cacheDir: string): string | undefined {
  switch (source.kind) {
    case 'remote':
      return path.join(cacheDir, 'remotes');
    case 'tarball':
      return path.join(cacheDir, 'tarballs');
    case 'plain-dir':
      return path.join(cacheDir, 'dirs');
    default:
      return undefined;
  }
}

export function treeSpec(opts: { os: string; source: string; ref?: string; dir: string; baseCommit?: string }): CacheSpec {
  const { key, restoreKeys } = keyFrom('tree', [opts.os, hash(opts.source, opts.ref ?? ''), (opts.baseCommit ?? 'unknown').slice(0, 12)], 2);
  return { what: 'kernel tree', paths: [opts.dir], key, restoreKeys };
}

/**
 * The guest packages: the package list decides what is wanted; the names of the cached archives (which carry the
 * resolved versions) make the key of what was saved, so a new Debian point release saves a new entry.
 */
export async function guestSpec(opts: { os: string; arches: string[]; guestDir: string; cacheDir: string }): Promise<CacheSpec> {
  const list = await readFile(path.join(opts.guestDir, 'packages.txt'), 'utf8').catch(() => '');
  const dir = path.join(opts.cacheDir, 'guest');
  const archives: string[] = [];
  for (const arch of existsSync(dir) ? (await readdir(dir)).sort() : []) {
    for (const name of (await readdir(path.join(dir, arch)).catch(() => [])).sort()) archives.push(`${arch}/${name}`);
  }
  const { key, restoreKeys } = keyFrom('guest', [opts.os, [...opts.arches].sort().join('+'), hash(list), archives.length ? hash(...archives) : 'none'], 3);
  return { what: 'guest packages', paths: [dir], key, restoreKeys };
}

export async function restoreFromCache(service: CacheService, spec: CacheSpec, log: CacheLog): Promise<string | undefined> {
  if (!service.isAvailable()) {
    log.info(`cache: ${spec.what}: no cache service here, starting cold`);
    return undefined;
  }
  try {
    const hit = await service.restore(spec.paths, spec.key, spec.restoreKeys);
    log.info(hit ? `cache: ${spec.what} restored from ${hit}${hit === spec.key ? '' : ' (a prefix match)'}` : `cache: ${spec.what}: no entry for ${spec.key}, starting cold`);
    return hit;
  } catch (error) {
    log.notice(`cache: could not restore ${spec.what} (${(error as Error).message.split('\n')[0]}); starting cold`);
    return undefined;
  }
}

/** Saving is a courtesy to the next run: it never fails this one ("already exists" and reservation races included). */
export async function saveToCache(service: CacheService, spec: CacheSpec, log: CacheLog, restoredKey?: string): Promise<void> {
  if (!service.isAvailable()) return;
  if (restoredKey === spec.key) {
    log.info(`cache: ${spec.what} unchanged (${spec.key} was restored), not saved again`);
    return;
  }
  if (!spec.paths.some((p) => existsSync(p))) {
    log.info(`cache: nothing to save for ${spec.what}`);
    return;
  }
  try {
    const id = await service.save(spec.paths, spec.key);
    log.info(id > 0 ? `cache: ${spec.what} saved as ${spec.key}` : `cache: ${spec.what} not saved (the service declined ${spec.key})`);
  } catch (error) {
    log.notice(`cache: ${spec.what} not saved as ${spec.key}: ${(error as Error).message.split('\n')[0]}`);
  }
}
