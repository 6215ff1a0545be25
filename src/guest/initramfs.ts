// The guest's initramfs: Debian packages of the guest's architecture, unpacked (cached by their versions), followed
// by a small second archive with our init, scenarios and lvm.conf (the kernel unpacks concatenated archives in order).
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readFile, readdir, rename, rm } from 'node:fs/promises';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';
import {
  createAptRoot,
  downloadPackages,
  resolvePackages,
  unpackDeb,
  updateIndexes,
  type PackageVersion,
} from '../tools/apt.js';
import { packDirectory } from '../tools/cpio.js';
import { inputError } from '../errors.js';
import { guestOf } from '../kernel/arches.js';

export interface GuestPackageList {
  install: string[];
  /** Packages unpacked without their dependencies: only their own files, the libraries they link coming with the
   *  installed ones (mdadm depends on udev, perl and debconf, none of which the guest runs). */
  bare: string[];
  /** Paths (relative, `*` within one component) removed after unpacking. */
  drop: string[];
}

/** Pure: guest/packages.txt ("install: a b", "bare: c", "drop: path …", # comments). */
export function parsePackageList(text: string, where = 'packages.txt'): GuestPackageList {
  const list: GuestPackageList = { install: [], bare: [], drop: [] };
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const m = /^(install|bare|drop):\s*(.*)$/.exec(line);
    if (!m)
      throw inputError(
        `${where}:${i + 1}: expected "install: …", "bare: …" or "drop: …", got ${JSON.stringify(raw.trim())}`,
      );
    list[m[1] as 'install' | 'bare' | 'drop'].push(...m[2]!.split(/\s+/).filter(Boolean));
  });
  if (list.install.length === 0) throw inputError(`${where} installs no packages`);
  return list;
}

/** Cache key: the architecture, every resolved package version and what we drop. */
export function packagesKey(arch: string, packages: readonly PackageVersion[], drop: readonly string[]): string {
  const h = createHash('sha256').update(`${arch}\n`);
  for (const p of packages) h.update(`${p.name}=${p.version}\n`);
  h.update(drop.join('\n'));
  return h.digest('hex').slice(0, 16);
}

async function expand(root: string, pattern: string): Promise<string[]> {
  let paths = [root];
  for (const part of pattern.split('/')) {
    const next: string[] = [];
    for (const dir of paths) {
      if (!part.includes('*')) {
        if (existsSync(path.join(dir, part))) next.push(path.join(dir, part));
        continue;
      }
      const re = new RegExp(`^${part.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
      for (const name of await readdir(dir).catch(() => [])) if (re.test(name)) next.push(path.join(dir, name));
    }
    paths = next;
  }
  return paths;
}

export interface InitramfsOptions {
  /** Folder with packages.txt, init, lib.sh, lvm.conf and scenarios/. */
  guestDir: string;
  /** Kernel ARCH of the cell (x86_64, i386). */
  arch: string;
  cacheDir: string;
  /** Where the combined initramfs is written. */
  outFile: string;
}

export interface Initramfs {
  file: string;
  packages: PackageVersion[];
  /** The package archive came from the cache. */
  cached: boolean;
  warning?: string;
}

/** Resolve with the indexes we have; refresh them only when that fails, so a warm cache needs no network. */
export async function resolveGuestPackages(
  aptDir: string,
  debArch: string,
  list: GuestPackageList,
): Promise<{ packages: PackageVersion[]; warning?: string }> {
  const root = await createAptRoot(aptDir, debArch);
  // the bare packages are resolved too (for their versions), and everything they alone would pull is left out
  const resolve = async () => {
    const withDeps = await resolvePackages(root, list.install);
    const bare = (await resolvePackages(root, list.bare)).filter((p) => list.bare.includes(p.name));
    return [...withDeps, ...bare.filter((b) => !withDeps.some((p) => p.name === b.name))].sort((a, b) =>
      a.name.localeCompare(b.name),
    );
  };
  const lists = await readdir(path.join(aptDir, 'state', 'lists')).catch(() => []);
  if (lists.some((n) => n.includes('_Packages'))) {
    const packages = await resolve().catch(() => undefined);
    if (packages) return { packages };
  }
  const { warning } = await updateIndexes(root);
  return { packages: await resolve(), warning };
}

/** Download (into the arch's shared debs/ cache) and unpack these packages into `staging`, less the dropped paths. */
export async function unpackPackages(
  archDir: string,
  debArch: string,
  packages: readonly PackageVersion[],
  drop: readonly string[],
  staging: string,
): Promise<void> {
  const root = await createAptRoot(path.join(archDir, 'apt'), debArch);
  const debs = await downloadPackages(root, packages, path.join(archDir, 'debs'));
  for (const deb of debs) await unpackDeb(deb, staging);
  for (const pattern of drop)
    for (const p of await expand(staging, pattern)) await rm(p, { recursive: true, force: true });
}

async function packageArchive(
  opts: InitramfsOptions,
  list: GuestPackageList,
): Promise<{ file: string; packages: PackageVersion[]; cached: boolean; warning?: string }> {
  const debArch = guestOf(opts.arch)?.debianArch;
  if (!debArch) throw inputError(`no guest userspace for ARCH=${opts.arch}: the arch table has no guest for it`);
  const base = path.join(opts.cacheDir, 'guest', debArch);
  const { packages, warning } = await resolveGuestPackages(path.join(base, 'apt'), debArch, list);
  const file = path.join(base, `packages-${packagesKey(debArch, packages, list.drop)}.cpio`);
  if (existsSync(file)) return { file, packages, cached: true, warning };
  const staging = await mkdtemp(path.join(base, 'staging-'));
  try {
    await unpackPackages(base, debArch, packages, list.drop, staging);
    const tmp = `${file}.tmp-${process.pid}`;
    await packDirectory(staging, tmp);
    await rename(tmp, file); // atomic: a concurrent run sees the whole archive or none
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return { file, packages, cached: false, warning };
}

/** Our files: /init, /kpci/lib.sh, /kpci/run-tests.sh (the suites' runner), /kpci/scenarios/*.sh, /etc/lvm/lvm.conf. */
async function scriptsArchive(guestDir: string, outFile: string): Promise<void> {
  const staging = await mkdtemp(`${outFile}.d-`);
  try {
    await mkdir(path.join(staging, 'kpci', 'scenarios'), { recursive: true });
    await mkdir(path.join(staging, 'etc', 'lvm'), { recursive: true });
    await copyFile(path.join(guestDir, 'init'), path.join(staging, 'init'));
    await chmod(path.join(staging, 'init'), 0o755);
    await copyFile(path.join(guestDir, 'lib.sh'), path.join(staging, 'kpci', 'lib.sh'));
    const suiteRunner = path.join(guestDir, 'suites', 'run-tests.sh');
    if (existsSync(suiteRunner)) await copyFile(suiteRunner, path.join(staging, 'kpci', 'run-tests.sh'));
    await copyFile(path.join(guestDir, 'lvm.conf'), path.join(staging, 'etc', 'lvm', 'lvm.conf'));
    for (const name of (await readdir(path.join(guestDir, 'scenarios'))).filter((n) => n.endsWith('.sh'))) {
      await copyFile(path.join(guestDir, 'scenarios', name), path.join(staging, 'kpci', 'scenarios', name));
    }
    await packDirectory(staging, outFile);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

export async function buildInitramfs(opts: InitramfsOptions): Promise<Initramfs> {
  const list = parsePackageList(
    await readFile(path.join(opts.guestDir, 'packages.txt'), 'utf8'),
    path.join(opts.guestDir, 'packages.txt'),
  );
  const pkgs = await packageArchive(opts, list);
  await mkdir(path.dirname(opts.outFile), { recursive: true });
  const scripts = `${opts.outFile}.scripts`;
  await scriptsArchive(opts.guestDir, scripts);
  const out = createWriteStream(opts.outFile);
  await pipeline(createReadStream(pkgs.file), out, { end: false });
  await pipeline(createReadStream(scripts), out);
  await rm(scripts, { force: true });
  return {
    file: opts.outFile,
    packages: pkgs.packages,
    cached: pkgs.cached,
    ...(pkgs.warning ? { warning: pkgs.warning } : {}),
  };
}
