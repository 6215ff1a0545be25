// apt-get against a private root per architecture: resolves and downloads Debian packages for the guest without
// installing anything or touching the host's apt state (no dpkg --add-architecture, no root needed).
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { execTool, type ExecResult } from './exec.js';
import { infraError } from '../errors.js';

export interface AptRoot {
  dir: string;
  /** Debian architecture name: amd64, i386. */
  arch: string;
}

export interface PackageVersion {
  name: string;
  version: string;
}

const HOST_SOURCES = ['/etc/apt/sources.list', '/etc/apt/sources.list.d'];

/** The private root's -o options: its own lists, cache, empty status file and a single foreign architecture. */
export function aptOptions(root: AptRoot): string[] {
  const o = (k: string, v: string) => ['-o', `${k}=${v}`];
  return [
    ...o('Dir::Etc::sourcelist', path.join(root.dir, 'sources.list')),
    ...o('Dir::Etc::sourceparts', path.join(root.dir, 'sources.list.d')),
    ...o('Dir::State', path.join(root.dir, 'state')),
    ...o('Dir::State::status', path.join(root.dir, 'status')),
    ...o('Dir::Cache', path.join(root.dir, 'cache')),
    ...o('APT::Architecture', root.arch),
    ...o('APT::Architectures::', root.arch),
    ...o('Debug::NoLocking', '1'),
    ...o('Acquire::Languages', 'none'),
    ...o('APT::Sandbox::User', 'root'), // files stay owned by whoever runs us
  ];
}

/** A private root that reads the host's package sources (the mirrors this machine is allowed to reach). */
export async function createAptRoot(
  dir: string,
  arch: string,
  sources: readonly string[] = HOST_SOURCES,
): Promise<AptRoot> {
  await mkdir(path.join(dir, 'sources.list.d'), { recursive: true });
  await mkdir(path.join(dir, 'state', 'lists', 'partial'), { recursive: true });
  await mkdir(path.join(dir, 'cache', 'archives', 'partial'), { recursive: true });
  await writeFile(path.join(dir, 'status'), '');
  await writeFile(path.join(dir, 'sources.list'), '');
  for (const source of sources) {
    if (source.endsWith('.list') && existsSync(source))
      await copyFile(source, path.join(dir, 'sources.list.d', 'host.list'));
    else if (existsSync(source)) {
      for (const name of await readdir(source).catch(() => [])) {
        if (/\.(list|sources)$/.test(name))
          await copyFile(path.join(source, name), path.join(dir, 'sources.list.d', name));
      }
    }
  }
  return { dir, arch };
}

/**
 * Pure: a host package source turned into its source-package twin (deb → deb-src), for `apt-get source`: the same
 * archive the guest's binaries come from. Lines that are not binary sources are dropped.
 */
export function sourceTwin(text: string, format: 'list' | 'sources'): string {
  if (format === 'list')
    return text
      .split('\n')
      .filter((l) => /^\s*deb\s/.test(l))
      .map((l) => l.replace(/^\s*deb\s/, 'deb-src '))
      .join('\n');
  return text
    .split(/\n\s*\n/)
    .filter((stanza) => /^Types:(.*\s)?deb(\s|$)/m.test(stanza) && !/^Enabled:\s*no/im.test(stanza))
    .map((stanza) => stanza.replace(/^Types:.*$/m, 'Types: deb-src'))
    .join('\n\n');
}

/** A private root whose sources are the host's binary sources as deb-src: for `apt-get source` only. */
export async function createSourceRoot(dir: string, sources: readonly string[] = HOST_SOURCES): Promise<AptRoot> {
  const root = await createAptRoot(dir, 'amd64', []);
  const files: string[] = [];
  for (const source of sources) {
    if (source.endsWith('.list')) files.push(source);
    else for (const name of await readdir(source).catch(() => [])) files.push(path.join(source, name));
  }
  for (const file of files.filter((f) => /\.(list|sources)$/.test(f) && existsSync(f))) {
    const twin = sourceTwin(await readFile(file, 'utf8'), file.endsWith('.list') ? 'list' : 'sources');
    if (twin.trim()) await writeFile(path.join(dir, 'sources.list.d', `src-${path.basename(file)}`), `${twin}\n`);
  }
  return root;
}

/** Pure: the source version of a binary package's version (a binNMU's +bN is the binary's alone). */
export function sourceVersion(binaryVersion: string): string {
  return binaryVersion.replace(/\+b\d+$/, '');
}

/**
 * `apt-get source --download-only` of the source of binary package `p` at its version into `dir` (nothing is
 * built); the .dsc's path. Refreshes the source indexes once when apt does not know that version.
 */
export async function downloadSource(root: AptRoot, p: PackageVersion, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const wanted = `${p.name}=${sourceVersion(p.version)}`;
  const fetch = () => aptGet(root, ['source', '--download-only', wanted], dir);
  let result = await fetch();
  if (result.code !== 0) {
    await updateIndexes(root).catch(() => undefined);
    result = await fetch();
  }
  const dsc = (await readdir(dir)).find((n) => n.endsWith('.dsc'));
  if (result.code !== 0 || !dsc)
    throw infraError(`cannot download the Debian source of ${wanted}: ${firstAptError(result)}`);
  return path.join(dir, dsc);
}

/** dpkg-source -x: the source tree with Debian's patches applied, into `dir` (which must not exist). */
export async function unpackSource(dsc: string, dir: string): Promise<void> {
  const result = await execTool('dpkg-source', ['-x', dsc, dir], { timeoutMs: 300_000 });
  if (result.code !== 0)
    throw infraError(
      `cannot unpack ${path.basename(dsc)}: ` +
        `${
          result.stderr
            .trim()
            .split('\n')
            .find((l) => /error/.test(l)) ?? `exit status ${result.code}`
        }`,
    );
}

function aptGet(root: AptRoot, args: readonly string[], cwd?: string, timeoutMs = 300_000): Promise<ExecResult> {
  return execTool('apt-get', [...aptOptions(root), '-q', ...args], {
    cwd,
    timeoutMs,
    env: { ...process.env, LC_ALL: 'C' },
  });
}

const firstAptError = (r: ExecResult) =>
  (r.stderr + r.stdout)
    .split('\n')
    .find((l) => /^E: /.test(l))
    ?.slice(3)
    .trim() ?? `exit status ${r.code}`;

/**
 * Refresh the package indexes. One index can fail while a mirror syncs ("File has unexpected size"); that is not
 * fatal when the others arrived: resolving the packages tells whether what we need is there.
 */
export async function updateIndexes(root: AptRoot, attempts = 3): Promise<{ warning?: string }> {
  let last: ExecResult | undefined;
  for (let i = 0; i < attempts; i++) {
    last = await aptGet(root, ['update']);
    if (last.code === 0) return {};
  }
  const lists = await readdir(path.join(root.dir, 'state', 'lists')).catch(() => []);
  if (lists.some((n) => n.includes('_Packages')))
    return { warning: `apt-get update (${root.arch}): ${firstAptError(last!)}` };
  throw infraError(`cannot download the ${root.arch} package indexes: ${firstAptError(last!)}`);
}

/** Pure: the packages and versions an `apt-get -s install` would unpack, from its "Inst" lines. */
export function parseSimulatedInstall(output: string): PackageVersion[] {
  const packages: PackageVersion[] = [];
  for (const line of output.split('\n')) {
    const m = /^Inst (\S+) (?:\[[^\]]*\] )?\((\S+)/.exec(line);
    if (m) packages.push({ name: m[1]!.replace(/:\w+$/, ''), version: m[2]! });
  }
  return packages.sort((a, b) => a.name.localeCompare(b.name));
}

/** The named packages plus every dependency apt would install with them (no recommends), with versions. */
export async function resolvePackages(root: AptRoot, names: readonly string[]): Promise<PackageVersion[]> {
  if (names.length === 0) return [];
  const result = await aptGet(root, ['-s', 'install', '--no-install-recommends', ...names]);
  if (result.code !== 0) throw infraError(`cannot resolve the ${root.arch} guest packages: ${firstAptError(result)}`);
  return parseSimulatedInstall(result.stdout);
}

/** The .deb file name apt-get download writes (an epoch's colon is escaped). */
export function debFileName(p: PackageVersion, arch: string, all = false): string {
  return `${p.name}_${p.version.replace(/:/g, '%3a')}_${all ? 'all' : arch}.deb`;
}

/** Download exactly these versions into `dir`, skipping files already there. */
export async function downloadPackages(
  root: AptRoot,
  packages: readonly PackageVersion[],
  dir: string,
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const have = new Set(await readdir(dir));
  const present = (p: PackageVersion) =>
    have.has(debFileName(p, root.arch)) || have.has(debFileName(p, root.arch, true));
  const missing = packages.filter((p) => !present(p));
  if (missing.length) {
    const result = await aptGet(root, ['download', ...missing.map((p) => `${p.name}=${p.version}`)], dir);
    if (result.code !== 0)
      throw infraError(`cannot download the ${root.arch} guest packages: ${firstAptError(result)}`);
  }
  const files = new Set(await readdir(dir));
  return packages.map((p) => {
    const name = [debFileName(p, root.arch), debFileName(p, root.arch, true)].find((n) => files.has(n));
    if (!name) throw infraError(`apt-get download did not produce ${debFileName(p, root.arch)}`);
    return path.join(dir, name);
  });
}

/** Unpack a .deb's files into `dir` (dpkg-deb -x: no maintainer scripts, nothing registered). */
export async function unpackDeb(deb: string, dir: string): Promise<void> {
  const result = await execTool('dpkg-deb', ['-x', deb, dir], { timeoutMs: 120_000 });
  if (result.code !== 0)
    throw infraError(
      `cannot unpack ${path.basename(deb)}: ${result.stderr.trim().split('\n')[0] ?? `exit status ${result.code}`}`,
    );
}
