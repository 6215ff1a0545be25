// A directory-backed stand-in for actions/cache/restore and actions/cache/save, for the composite runner: the same
// inputs (path, key, restore-keys), the same outputs (cache-hit, cache-primary-key, cache-matched-key) and the same
// matching rules as the real actions — an exact key first, then each restore key as a prefix, newest entry first,
// only among entries saved with the same paths (the service's "version") — and the same refusals: a key that exists
// is not saved again, and paths that do not exist save nothing. Entries are tar archives of the absolute paths.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

interface Entry {
  key: string;
  version: string;
  file: string;
  created: number;
}

export interface CacheStepResult {
  code: number;
  log: string;
  outputs: Record<string, string>;
}

const lines = (v: string | undefined) =>
  (v ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

export class DirectoryCache {
  private seq = 0;
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private get index(): string {
    return path.join(this.dir, 'index.json');
  }

  entries(): Entry[] {
    return existsSync(this.index) ? (JSON.parse(readFileSync(this.index, 'utf8')) as Entry[]) : [];
  }

  private version(paths: string[]): string {
    return createHash('sha256').update(paths.join('|')).digest('hex');
  }

  restore(inputs: Record<string, string>): CacheStepResult {
    const key = inputs.key ?? '';
    const paths = lines(inputs.path);
    if (!key || paths.length === 0)
      return { code: 1, log: 'Error: Input required and not supplied: ' + (key ? 'path' : 'key'), outputs: {} };
    const version = this.version(paths);
    const mine = this.entries()
      .filter((e) => e.version === version)
      .sort((a, b) => b.created - a.created);
    const found =
      mine.find((e) => e.key === key) ??
      [key, ...lines(inputs['restore-keys'])].map((k) => mine.find((e) => e.key.startsWith(k))).find(Boolean);
    const outputs: Record<string, string> = { 'cache-primary-key': key };
    if (!found)
      return {
        code: 0,
        log: `Cache not found for input keys: ${[key, ...lines(inputs['restore-keys'])].join(', ')}`,
        outputs,
      };
    execFileSync('tar', ['-xf', found.file, '-P'], { stdio: 'pipe' });
    return {
      code: 0,
      log: `Cache restored from key: ${found.key}`,
      outputs: { ...outputs, 'cache-hit': String(found.key === key), 'cache-matched-key': found.key },
    };
  }

  save(inputs: Record<string, string>): CacheStepResult {
    const key = inputs.key ?? '';
    const paths = lines(inputs.path);
    if (!key || paths.length === 0)
      return { code: 1, log: 'Error: Input required and not supplied: ' + (key ? 'path' : 'key'), outputs: {} };
    const entries = this.entries();
    if (entries.some((e) => e.key === key))
      return {
        code: 0,
        log:
          `Warning: Failed to save: Unable to reserve cache with key ${key}, ` +
          `another job may be creating this cache.`,
        outputs: {},
      };
    const present = paths.filter((p) => existsSync(p));
    if (present.length === 0)
      return {
        code: 0,
        log:
          'Warning: Path Validation Error: Path(s) specified in the action for caching do(es) ' +
          'not exist, hence no cache is being saved.',
        outputs: {},
      };
    const file = path.join(this.dir, `entry-${entries.length + 1}.tar`);
    execFileSync('tar', ['-cf', file, '-P', ...present], { stdio: 'pipe' });
    entries.push({ key, version: this.version(paths), file, created: Date.now() * 1000 + this.seq++ });
    writeFileSync(this.index, JSON.stringify(entries, null, 2));
    return { code: 0, log: `Cache saved with key: ${key}`, outputs: {} };
  }
}
