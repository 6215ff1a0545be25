// A store of immutable cache entries, one folder per key, each file checked by its sha256 before anything trusts it.
// An entry appears whole or not at all (written to a temporary folder, then renamed), so two runs saving one key at
// once leave one complete entry; one that does not verify is moved aside and rebuilt, never read.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { cp, lstat, mkdir, readdir, readFile, readlink, rename, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Bumped when what an entry holds changes meaning: an entry of another format is not read. */
export const ENTRY_FORMAT = 1;
const MANIFEST = 'manifest.json';
const MANIFEST_SUM = 'manifest.sha256';

export interface EntryStore {
  /** The folder of this kind of entry: <cache>/base/build, <cache>/base/boot. */
  dir: string;
  /** The tool version that writes and reads; an entry of another version is not trusted. */
  tool: string;
}

interface ManifestFile {
  path: string;
  size?: number;
  sha256?: string;
  /** A symbolic link's target (a kernel O= dir has a few). */
  link?: string;
}

interface Manifest {
  format: number;
  tool: string;
  key: string;
  files: ManifestFile[];
}

export interface EntryContent {
  /** Files and folders to keep, by their name inside the entry. */
  copy: { name: string; from: string }[];
  /** Plain data kept beside them (JSON), checked like the files. */
  meta: unknown;
  /** Paths inside copied folders that are not kept (scratch files), by their basename prefix. */
  skipPrefix?: string;
}

export type Saved = { saved: true } | { saved: false; why: string };
export type Loaded<T> = { hit: true; dir: string; meta: T } | { hit: false; why: string };

export const sha256File = (file: string) =>
  new Promise<string>((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => h.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
const sha256Text = (text: string) => createHash('sha256').update(text).digest('hex');

/** Every file and link under dir, as paths relative to it, sorted (the manifest's order). */
async function listTree(dir: string, rel = ''): Promise<{ path: string; kind: 'file' | 'link' }[]> {
  const out: { path: string; kind: 'file' | 'link' }[] = [];
  for (const ent of (await readdir(path.join(dir, rel), { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : 1,
  )) {
    const p = rel ? `${rel}/${ent.name}` : ent.name;
    if (ent.isDirectory()) out.push(...(await listTree(dir, p)));
    else if (ent.isSymbolicLink()) out.push({ path: p, kind: 'link' });
    else if (ent.isFile()) out.push({ path: p, kind: 'file' });
  }
  return out;
}

async function describe(root: string, skip: (p: string) => boolean): Promise<ManifestFile[]> {
  const files: ManifestFile[] = [];
  for (const f of await listTree(root)) {
    if (skip(f.path) || f.path === MANIFEST || f.path === MANIFEST_SUM) continue;
    const full = path.join(root, f.path);
    if (f.kind === 'link') files.push({ path: f.path, link: await readlink(full) });
    else files.push({ path: f.path, size: (await lstat(full)).size, sha256: await sha256File(full) });
  }
  return files;
}

const errorText = (error: unknown) => {
  const e = error as NodeJS.ErrnoException;
  return e.code === 'ENOSPC' ? 'no space left on device' : (e.code ?? e.message ?? String(error));
};

/** Keep content under key; a key already saved (by this run or another at the same moment) is left as it is. */
export async function saveEntry(store: EntryStore, key: string, content: EntryContent): Promise<Saved> {
  const final = path.join(store.dir, key);
  if (existsSync(final)) return { saved: false, why: 'already saved' };
  const tmp = path.join(store.dir, `.tmp-${key}-${process.pid}-${randomBytes(4).toString('hex')}`);
  const skipPrefix = content.skipPrefix;
  const skip = (p: string) => skipPrefix !== undefined && path.basename(p).startsWith(skipPrefix);
  try {
    await mkdir(tmp, { recursive: true });
    for (const { name, from } of content.copy) {
      await cp(from, path.join(tmp, name), {
        recursive: true,
        verbatimSymlinks: true,
        filter: (src) => !skip(src),
      });
    }
    await writeFile(path.join(tmp, 'meta.json'), JSON.stringify(content.meta));
    // the checksums are of what landed on the disk, so a short write is caught here rather than at the next read
    const manifest: Manifest = { format: ENTRY_FORMAT, tool: store.tool, key, files: await describe(tmp, skip) };
    const text = JSON.stringify(manifest);
    await writeFile(path.join(tmp, MANIFEST), text);
    await writeFile(path.join(tmp, MANIFEST_SUM), sha256Text(text));
    try {
      await rename(tmp, final);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') {
        await rm(tmp, { recursive: true, force: true });
        return { saved: false, why: 'another run saved it first' };
      }
      throw error;
    }
    return { saved: true };
  } catch (error) {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    return { saved: false, why: `cannot save it: ${errorText(error)}` };
  }
}

/** Why an entry's folder cannot be trusted, or undefined when every file is as its manifest says. */
async function verify(store: EntryStore, key: string, dir: string): Promise<string | undefined> {
  const text = await readFile(path.join(dir, MANIFEST), 'utf8').catch(() => undefined);
  const sum = await readFile(path.join(dir, MANIFEST_SUM), 'utf8').catch(() => undefined);
  if (text === undefined || sum === undefined) return 'it is incomplete (no manifest)';
  if (sha256Text(text) !== sum.trim()) return 'its manifest does not match its checksum';
  const manifest = JSON.parse(text) as Manifest;
  if (manifest.format !== ENTRY_FORMAT)
    return `it has entry format ${manifest.format}, this tool reads ${ENTRY_FORMAT}`;
  if (manifest.tool !== store.tool) return `it was written by kernel-patch-ci ${manifest.tool}, this is ${store.tool}`;
  if (manifest.key !== key) return `it holds key ${manifest.key}`;
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const f of manifest.files) {
    const full = path.join(dir, f.path);
    if (f.link !== undefined) {
      if ((await readlink(full).catch(() => undefined)) !== f.link) return `${f.path} is not the link it was`;
      continue;
    }
    const st = await lstat(full).catch(() => undefined);
    if (!st) return `${f.path} is missing`;
    if (st.size !== f.size) return `${f.path} is ${st.size} bytes, ${f.size} when saved (truncated?)`;
    if ((await sha256File(full)) !== f.sha256) return `${f.path} does not match its checksum`;
  }
  const extra = (await listTree(dir)).find(
    (f) => !listed.has(f.path) && f.path !== MANIFEST && f.path !== MANIFEST_SUM,
  );
  return extra ? `${extra.path} was not in it when saved` : undefined;
}

/** The entry under key, verified; an entry that does not verify is moved out of the way and reported as a miss. */
export async function loadEntry<T>(store: EntryStore, key: string): Promise<Loaded<T>> {
  const dir = path.join(store.dir, key);
  if (!existsSync(dir)) return { hit: false, why: 'no entry for this key' };
  let why: string | undefined;
  try {
    why = await verify(store, key, dir);
  } catch (error) {
    why = `it cannot be read: ${errorText(error)}`;
  }
  if (why) {
    await discard(store, dir);
    return { hit: false, why: `the entry was not used: ${why}` };
  }
  return { hit: true, dir, meta: JSON.parse(await readFile(path.join(dir, 'meta.json'), 'utf8')) as T };
}

/** Out of the way first (a rename), so a run reading it at the same moment sees it whole or not at all. */
async function discard(store: EntryStore, dir: string): Promise<void> {
  const trash = path.join(store.dir, `.trash-${path.basename(dir)}-${randomBytes(4).toString('hex')}`);
  await rename(dir, trash).catch(() => undefined);
  await rm(trash, { recursive: true, force: true }).catch(() => undefined);
}

/**
 * Copy a verified entry's folder to `to`, every file stamped with one time: make then sees the restored objects as
 * newer than the sources checked out before, and none older than another (a kbuild O= dir restored as built).
 */
export async function restoreFolder(entryDir: string, name: string, to: string, stamp = new Date()): Promise<void> {
  await rm(to, { recursive: true, force: true });
  await cp(path.join(entryDir, name), to, { recursive: true, verbatimSymlinks: true });
  for (const f of await listTree(to)) if (f.kind === 'file') await utimes(path.join(to, f.path), stamp, stamp);
}
