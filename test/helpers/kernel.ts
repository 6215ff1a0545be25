// Integration tests run the real tools on the real 6.1 tree: Debian's linux-source-6.1 tarball, imported once
// into a cache shared by every test and every run (KPCI_CACHE_DIR), exactly as users' runs share it.
import { readValidResults } from './results-schema.js';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import type { Results } from '../../src/results/model.js';

export const KERNEL_TARBALL = process.env.KPCI_TEST_TARBALL ?? '/usr/src/linux-source-6.1.tar.xz';
export const TEST_CACHE = process.env.KPCI_CACHE_DIR ?? path.join(os.tmpdir(), 'kernel-patch-ci-test-cache');

if (!existsSync(KERNEL_TARBALL)) {
  throw new Error(`${KERNEL_TARBALL} is missing: apt-get install linux-source-6.1 (see README)`);
}

export interface CliRun {
  code: number;
  stdout: string[];
  stderr: string[];
  outDir: string;
  results: Results;
  report: string;
}

const outDirs: string[] = [];

export async function newOutDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kpci-out-'));
  outDirs.push(dir);
  return dir;
}

let sharedOut: string | undefined;
/**
 * The out dir of every run on one of Debian's tarballs, shared by all integration and e2e test files (they run one
 * at a time: --runInBand) and kept in the test cache: its checkout and its build dirs (sparse's, one per cell) are
 * rewritten only where a series differs, as a developer's re-runs would be.
 */
export const tarballOutPath = (tarball: string) =>
  path.join(TEST_CACHE, 'out', path.basename(tarball).replace(/\.tar\.\w+$/, ''));
export async function tarballOutDir(tarball: string): Promise<string> {
  const dir = tarballOutPath(tarball);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Runs on a tarball share its out dir; anything else (a clone, a dressed-up tree) gets the file's own. */
async function defaultOutDir(args: readonly string[]): Promise<string> {
  const tree = args[args.indexOf('--tree') + 1];
  if (args.includes('--tree') && tree && /\.tar\.\w+$/.test(tree)) return tarballOutDir(tree);
  return (sharedOut ??= await newOutDir());
}

export async function runCli(args: string[], outDir?: string): Promise<CliRun> {
  const out = outDir ?? (await defaultOutDir(args));
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await main(['run', ...args, '--out', out, '--cache-dir', TEST_CACHE], {
    out: (l) => stdout.push(l),
    err: (l) => stderr.push(l),
    env: { ...process.env, KPCI_FETCH_BACKOFF_MS: '50' },
  });
  const results = readValidResults<Results>(path.join(out, 'results.json'));
  const report = await readFile(path.join(out, 'report.md'), 'utf8');
  return { code, stdout, stderr, outDir: out, results, report };
}

export async function removeOutDirs(): Promise<void> {
  await Promise.all(outDirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

export const stage = (run: CliRun, name: string) => run.results.stages.find((s) => s.name === name);
