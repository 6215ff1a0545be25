// The entry store on a real file system: what it keeps comes back byte for byte, and every way an entry goes bad
// (truncated, tampered, another tool version, half written, two writers at once, a full disk) is a miss with a reason.
import { afterAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadEntry, restoreFolder, saveEntry, type EntryStore } from '../../src/cache/entries.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'kpci-entries-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let n = 0;

/** A small O= dir: objects in subfolders, a link, and one of our scratch files that is not kept. */
function buildDir(): string {
  const dir = path.join(scratch, `O-${n++}`);
  mkdirSync(path.join(dir, 'drivers', 'md'), { recursive: true });
  writeFileSync(path.join(dir, '.config'), 'CONFIG_DM_CRYPT=y\n');
  writeFileSync(path.join(dir, 'drivers', 'md', 'dm-crypt.o'), Buffer.alloc(70_000, 7));
  writeFileSync(path.join(dir, 'drivers', 'md', '.dm-crypt.o.cmd'), 'savedcmd_drivers/md/dm-crypt.o := gcc ...\n');
  writeFileSync(path.join(dir, '.kpci-ccache-base.log'), 'scratch\n');
  symlinkSync('..', path.join(dir, 'source'));
  return dir;
}
const store = (tool = '0.1.0'): EntryStore => ({ dir: path.join(scratch, 'store'), tool });

async function saved(key: string, s = store()): Promise<string> {
  const from = buildDir();
  const result = await saveEntry(s, key, {
    copy: [{ name: 'O', from }],
    meta: { diagnostics: [{ file: 'drivers/md/dm-crypt.c', line: 3 }] },
    skipPrefix: '.kpci-',
  });
  expect(result).toEqual({ saved: true });
  return path.join(s.dir, key);
}

describe('the base cache entry store', () => {
  test('an entry comes back verified, with its meta, its files and links, and not our scratch files', async () => {
    const entry = await saved('build-ok');
    const loaded = await loadEntry<{ diagnostics: unknown[] }>(store(), 'build-ok');
    expect(loaded).toEqual({
      hit: true,
      dir: entry,
      meta: { diagnostics: [{ file: 'drivers/md/dm-crypt.c', line: 3 }] },
    });
    const to = path.join(scratch, 'restored');
    const stamp = new Date('2030-01-01T00:00:00Z');
    await restoreFolder(entry, 'O', to, stamp);
    expect(readFileSync(path.join(to, 'drivers', 'md', 'dm-crypt.o'))).toEqual(Buffer.alloc(70_000, 7));
    expect(readdirSync(to).sort()).toEqual(['.config', 'drivers', 'source']);
    // one time on every file: make must see none of the restored objects as older than another
    expect(statSync(path.join(to, '.config')).mtimeMs).toBe(stamp.getTime());
    expect(statSync(path.join(to, 'drivers', 'md', 'dm-crypt.o')).mtimeMs).toBe(stamp.getTime());
    expect(await loadEntry(store(), 'build-none')).toEqual({ hit: false, why: 'no entry for this key' });
  });

  test.each([
    [
      'truncated',
      (e: string) => truncateSync(path.join(e, 'O', 'drivers', 'md', 'dm-crypt.o'), 1000),
      /dm-crypt\.o is 1000 bytes, 70000 when saved/,
    ],
    [
      'tampered (same size)',
      (e: string) => writeFileSync(path.join(e, 'O', 'drivers', 'md', 'dm-crypt.o'), Buffer.alloc(70_000, 8)),
      /dm-crypt\.o does not match its checksum/,
    ],
    [
      'with its meta edited',
      (e: string) => writeFileSync(path.join(e, 'meta.json'), '{"diagnostics":[]}'),
      /meta\.json is/,
    ],
    ['with a file removed', (e: string) => rmSync(path.join(e, 'O', '.config')), /O\/\.config is missing/],
    ['with a file added', (e: string) => writeFileSync(path.join(e, 'O', 'extra.o'), ''), /O\/extra\.o was not in it/],
    [
      'with its manifest edited',
      (e: string) => appendFileSync(path.join(e, 'manifest.json'), ' '),
      /manifest does not match/,
    ],
    ['half written (no manifest)', (e: string) => rmSync(path.join(e, 'manifest.json')), /incomplete \(no manifest\)/],
  ])('an entry %s is a miss that says why, and is removed so the next run saves a good one', async (_, spoil, why) => {
    const key = `build-bad-${n++}`;
    const entry = await saved(key);
    spoil(entry);
    const loaded = await loadEntry(store(), key);
    expect(loaded.hit).toBe(false);
    expect(loaded.hit ? '' : loaded.why).toMatch(/^the entry was not used: /);
    expect(loaded.hit ? '' : loaded.why).toMatch(why);
    expect(existsSync(entry)).toBe(false);
    await saved(key);
    expect((await loadEntry(store(), key)).hit).toBe(true);
  });

  test('an entry another version of the tool wrote is not used, and says which version wrote it', async () => {
    await saved('build-old', store('0.0.9'));
    const loaded = await loadEntry(store('0.1.0'), 'build-old');
    expect(loaded).toEqual({
      hit: false,
      why: 'the entry was not used: it was written by kernel-patch-ci 0.0.9, this is 0.1.0',
    });
  });

  test('two runs saving one key at once leave one whole entry, and neither fails', async () => {
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        saveEntry(store(), 'build-race', { copy: [{ name: 'O', from: buildDir() }], meta: { n: 1 } }),
      ),
    );
    expect(results.filter((r) => r.saved)).toHaveLength(1);
    for (const r of results.filter((r) => !r.saved))
      expect(r).toEqual({ saved: false, why: expect.stringMatching(/^(another run saved it first|already saved)$/) });
    expect((await loadEntry(store(), 'build-race')).hit).toBe(true);
    expect(readdirSync(store().dir).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
  });

  test('a full disk while saving is one line, leaves no entry and no temporary folder behind', async () => {
    // a real full file system: a 1 MiB tmpfs, and 1.5 MiB to keep
    const mnt = path.join(scratch, 'small');
    mkdirSync(mnt);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { stdio: 'pipe' });
    } catch (error) {
      throw new Error(`this test needs a tmpfs mount (root): ${String(error).split('\n')[0]}`, { cause: error });
    }
    try {
      const from = buildDir();
      writeFileSync(path.join(from, 'vmlinux.o'), Buffer.alloc(1_500_000, 1));
      const s: EntryStore = { dir: path.join(mnt, 'build'), tool: '0.1.0' };
      const result = await saveEntry(s, 'build-full', { copy: [{ name: 'O', from }], meta: {} });
      expect(result).toEqual({ saved: false, why: 'cannot save it: no space left on device' });
      expect(readdirSync(s.dir)).toEqual([]);
      expect(await loadEntry(s, 'build-full')).toEqual({ hit: false, why: 'no entry for this key' });
    } finally {
      execFileSync('umount', [mnt]);
    }
  });
});
