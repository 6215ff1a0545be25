// The maintainers' own test suites the guest can run (guest/suites/<suite>/suite.conf): which Debian source holds
// them, what the guest needs to run them, and what each test reaches, so that a run picks the tests its series needs.
import { readdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { inputError } from '../errors.js';
import { chooseScenarios } from '../boot/choose.js';

export interface SuiteTest {
  /** "suite:test": the KTAP name and what kpci.suites lists. */
  id: string;
  suite: string;
  name: string;
  /** Globs as in a scenario's kpci-reaches: FILE or FILE:FUNCTION. */
  reaches: string[];
  /** By default the test gets only these members of this tarball of its tests dir (--suites full: all). */
  images?: { tarball: string; members: string[] };
  /** Run only with --suites full. */
  fullOnly: boolean;
}

export interface SuiteInfo {
  name: string;
  /** The Debian binary package whose source (same version) holds the tests. */
  binary: string;
  /** Paths of the unpacked source the guest gets (the tests dir, a driver script). */
  keep: string[];
  /** Debian packages the tests need besides the guest's own. */
  packages: string[];
  tests: SuiteTest[];
}

export type SuiteMode = 'default' | 'full' | 'none';

const KEY_RE = /^(source|keep|packages|test):\s*(.*)$/;

/** Pure: one suite.conf. */
export function parseSuiteConf(suite: string, text: string, where = `${suite}/suite.conf`): SuiteInfo {
  const info: SuiteInfo = { name: suite, binary: '', keep: [], packages: [], tests: [] };
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) return;
    const m = KEY_RE.exec(line);
    const bad = (why: string) => inputError(`${where}:${i + 1}: ${why}`);
    if (!m) throw bad(`expected "source:", "keep:", "packages:" or "test:", got ${JSON.stringify(raw.trim())}`);
    const words = m[2]!.split(/\s+/).filter(Boolean);
    if (m[1] === 'source') info.binary = words[0] ?? '';
    else if (m[1] === 'keep') info.keep.push(...words);
    else if (m[1] === 'packages') info.packages.push(...words);
    else {
      const [name, ...options] = words;
      if (!name || !/^[\w.+-]+$/.test(name)) throw bad(`a test needs a name of letters, digits and .+-_`);
      const test: SuiteTest = { id: `${suite}:${name}`, suite, name, reaches: [], fullOnly: false };
      for (const option of options) {
        const [key, value = ''] = option.split(/=(.*)/s) as [string, string?];
        if (key === 'reaches') test.reaches.push(...value.split(',').filter(Boolean));
        else if (key === 'full' && !value) test.fullOnly = true;
        else if (key === 'images' && /^[^:]+:.+$/.test(value)) {
          const [tarball, members] = value.split(/:(.*)/s) as [string, string];
          test.images = { tarball, members: members.split(',').filter(Boolean) };
        } else throw bad(`unknown option ${JSON.stringify(option)} of test ${name}`);
      }
      info.tests.push(test);
    }
  });
  if (!info.binary) throw inputError(`${where}: no "source:" line (the binary package whose source has the tests)`);
  if (info.keep.length === 0) throw inputError(`${where}: no "keep:" line (what of the source the guest gets)`);
  return info;
}

/** Every suite of a guest folder (none when it has no suites/ folder). */
export async function readSuites(guestDir: string): Promise<SuiteInfo[]> {
  const dir = path.join(guestDir, 'suites');
  const names = (await readdir(dir, { withFileTypes: true }).catch(() => []))
    .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, 'suite.conf')))
    .map((d) => d.name)
    .sort();
  return Promise.all(
    names.map(async (name) =>
      parseSuiteConf(name, await readFile(path.join(dir, name, 'suite.conf'), 'utf8'), path.join(dir, name)),
    ),
  );
}

export interface SuiteChoice {
  tests: SuiteTest[];
  /** One line per chosen test: what made it chosen. */
  reasons: string[];
}

/**
 * Pure: the suite tests the change reaches, by the scenarios' rules (a changed function goes to the tests naming
 * it, else to those reaching its file). `full` runs every test of each suite the change reaches, full-only ones too.
 */
export function chooseSuiteTests(
  suites: readonly SuiteInfo[],
  mode: SuiteMode,
  files: readonly string[],
  functions: readonly { file: string; name: string }[],
): SuiteChoice {
  if (mode === 'none') return { tests: [], reasons: [] };
  const all = suites.flatMap((s) => s.tests);
  const candidates = mode === 'full' ? all : all.filter((t) => !t.fullOnly);
  const asScenarios = (tests: readonly SuiteTest[]) =>
    tests.map((t) => ({ name: t.id, reaches: t.reaches, smoke: false }));
  const picked = chooseScenarios(asScenarios(candidates), files, functions);
  if (mode === 'default') {
    return { tests: candidates.filter((t) => picked.names.includes(t.id)), reasons: picked.reasons };
  }
  const reached = new Set(candidates.filter((t) => picked.names.includes(t.id)).map((t) => t.suite));
  const tests = all.filter((t) => reached.has(t.suite));
  const reasons = tests.map(
    (t) => picked.reasons.find((r) => r.startsWith(`${t.id}: `)) ?? `${t.id}: --suites full (the ${t.suite} suite)`,
  );
  return { tests, reasons };
}
