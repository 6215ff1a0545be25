// The suites' disk: an ext4 image the guest mounts and chroots into to run the maintainers' test suites. It holds
// the guest's packages plus what the tests need (bash, coreutils, util-linux…), the tests of each suite from the
// Debian source of the guest's own binary (same version), and the image subsets the default selection uses. A disk
// rather than a bigger initramfs: the guest reads only the files the tests touch instead of unpacking all of them.
// Cached by everything it is made of, like the guest's package archive.
import { createHash } from 'node:crypto';
import { chmod, copyFile, cp, lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createSourceRoot, downloadSource, unpackSource, type PackageVersion } from '../tools/apt.js';
import { createTarXz, extractMembers } from '../tools/tar.js';
import { makeExt4Image } from '../tools/mke2fs.js';
import { inputError, infraError } from '../errors.js';
import { guestOf } from '../kernel/arches.js';
import { parsePackageList, resolveGuestPackages, unpackPackages } from './initramfs.js';
import type { SuiteInfo } from './suites.js';

export interface SuiteDiskOptions {
  guestDir: string;
  arch: string;
  cacheDir: string;
  suites: readonly SuiteInfo[];
  /** The host package sources whose deb-src twins give the suites' sources (default: the host's apt sources). */
  aptSources?: readonly string[];
}

export interface SuiteDisk {
  file: string;
  /** Each suite's tests came from the Debian source of this binary package, at the guest's version. */
  sources: { suite: string; binary: string; version: string }[];
  cached: boolean;
}

/** Room for what the tests write (mdadm's 14 loop files take 544 MiB in /var/tmp); the host file stays sparse. */
const FREE_MIB = 1536;

export async function filesHash(dir: string, h = createHash('sha256')): Promise<ReturnType<typeof createHash>> {
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) await filesHash(file, h.update(`${entry.name}/\n`));
    else h.update(`${entry.name}\n`).update(await readFile(file));
  }
  return h;
}

/** The suite's source tree at the binary's version, unpacked once into the cache. */
async function sourceTree(cacheDir: string, binary: PackageVersion, aptSources?: readonly string[]): Promise<string> {
  const base = path.join(cacheDir, 'guest', 'sources');
  const tree = path.join(base, `${binary.name}_${binary.version.replace(/:/g, '%3a')}`);
  if (existsSync(tree)) return tree;
  await mkdir(base, { recursive: true });
  const work = await mkdtemp(path.join(base, 'download-'));
  try {
    const root = await createSourceRoot(path.join(base, 'apt'), aptSources);
    const dsc = await downloadSource(root, binary, path.join(work, 'files'));
    await unpackSource(dsc, path.join(work, 'tree'));
    await rename(path.join(work, 'tree'), tree).catch((e: NodeJS.ErrnoException) => {
      if (!existsSync(tree)) throw e; // a concurrent run unpacked the same source first
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return tree;
}

const PASSWD = 'root:x:0:0:root:/root:/bin/bash\n';
const GROUP = 'root:x:0:\ndisk:x:6:\n';
// the tests call `udevadm settle`; no udev runs in the guest, and libdevmapper makes the device nodes itself
const UDEVADM = '#!/bin/sh\nexit 0\n';

async function stageSuite(staging: string, suite: SuiteInfo, tree: string, guestDir: string): Promise<void> {
  const dir = path.join(staging, 'kpci-suite', suite.name);
  await mkdir(path.join(dir, 'src'), { recursive: true });
  for (const keep of suite.keep) {
    if (!existsSync(path.join(tree, keep))) throw inputError(`${suite.name}: the source has no ${keep} to keep`);
    await cp(path.join(tree, keep), path.join(dir, 'src', keep), { recursive: true, preserveTimestamps: true });
  }
  const own = path.join(guestDir, 'suites', suite.name);
  await copyFile(path.join(own, 'run-test'), path.join(dir, 'run-test'));
  // a test's trim for the default selection (NAME.sed)
  for (const sed of (await readdir(own)).filter((n) => n.endsWith('.sed')))
    await copyFile(path.join(own, sed), path.join(dir, sed));
  for (const test of suite.tests.filter((t) => t.images)) {
    const { tarball, members } = test.images!;
    const source = path.join(tree, suite.keep[0]!, tarball);
    const cut = await mkdtemp(path.join(staging, '.cut-'));
    try {
      await extractMembers(source, cut, members);
      const out = path.join(dir, 'subsets', test.name);
      await mkdir(out, { recursive: true });
      await createTarXz(path.join(out, tarball), cut, await readdir(cut));
    } finally {
      await rm(cut, { recursive: true, force: true });
    }
  }
}

async function du(dir: string): Promise<number> {
  let bytes = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    bytes += entry.isDirectory() ? 4096 + (await du(file)) : (await lstat(file)).size + 4096;
  }
  return bytes;
}

export async function buildSuiteDisk(opts: SuiteDiskOptions): Promise<SuiteDisk> {
  const debArch = guestOf(opts.arch)?.debianArch;
  if (!debArch) throw inputError(`no guest userspace for ARCH=${opts.arch}: the arch table has no guest for it`);
  const list = parsePackageList(
    await readFile(path.join(opts.guestDir, 'packages.txt'), 'utf8'),
    path.join(opts.guestDir, 'packages.txt'),
  );
  const extra = opts.suites.flatMap((s) => [...s.packages, s.binary]);
  const archDir = path.join(opts.cacheDir, 'guest', debArch);
  const withSuites = { ...list, install: [...new Set([...list.install, ...extra])] };
  const { packages } = await resolveGuestPackages(path.join(archDir, 'apt'), debArch, withSuites);
  const binaries = opts.suites.map((s) => {
    const found = packages.find((p) => p.name === s.binary);
    if (!found) throw infraError(`${s.name}: apt did not resolve its package ${s.binary}`);
    return found;
  });
  const trees: string[] = [];
  // one after the other: they share the sources' apt root
  for (const b of binaries) trees.push(await sourceTree(opts.cacheDir, b, opts.aptSources));
  const sources = binaries.map((b, i) => ({ suite: opts.suites[i]!.name, binary: b.name, version: b.version }));

  const h = createHash('sha256').update(`${debArch}\n`);
  for (const p of packages) h.update(`${p.name}=${p.version}\n`);
  h.update(list.drop.join('\n'));
  await filesHash(path.join(opts.guestDir, 'suites'), h);
  h.update(await readFile(path.join(opts.guestDir, 'lvm.conf')));
  const file = path.join(archDir, `suites-${h.digest('hex').slice(0, 16)}.img`);
  if (existsSync(file)) return { file, sources, cached: true };

  const staging = await mkdtemp(path.join(archDir, 'suites-staging-'));
  try {
    await unpackPackages(archDir, debArch, packages, list.drop, staging);
    for (const [i, suite] of opts.suites.entries()) await stageSuite(staging, suite, trees[i]!, opts.guestDir);
    for (const d of ['proc', 'sys', 'dev', 'tmp', 'run', 'var/tmp', 'root', 'kpci-bb', 'etc/lvm', 'usr/local/sbin'])
      await mkdir(path.join(staging, d), { recursive: true });
    await writeFile(path.join(staging, 'etc', 'passwd'), PASSWD);
    await writeFile(path.join(staging, 'etc', 'group'), GROUP);
    await copyFile(path.join(opts.guestDir, 'lvm.conf'), path.join(staging, 'etc', 'lvm', 'lvm.conf'));
    await writeFile(path.join(staging, 'usr', 'local', 'sbin', 'udevadm'), UDEVADM, { mode: 0o755 });
    await copyFile(path.join(opts.guestDir, 'suites', 'run'), path.join(staging, 'kpci-suite', 'run'));
    await chmod(path.join(staging, 'kpci-suite', 'run'), 0o755);
    const mib = Math.ceil((await du(staging)) / 1024 / 1024) + FREE_MIB;
    const tmp = `${file}.tmp-${process.pid}`;
    await makeExt4Image(tmp, staging, mib, 'kpci-suites');
    await rename(tmp, file); // atomic: a concurrent run sees the whole image or none
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return { file, sources, cached: false };
}
