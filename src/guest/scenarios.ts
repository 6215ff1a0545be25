// The guest's scenarios as the host sees them: name, and what each says it reaches in its header
// ("# kpci-reaches: FILE[:FUNCTION] …", "# kpci-smoke"), so that a run can choose the ones a series needs.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export interface ScenarioInfo {
  /** The file name without its NN- prefix and .sh: what KTAP lines and kpci.only use. */
  name: string;
  /** Shell-style globs: "drivers/md/dm-crypt.c" (any change to the file) or "drivers/md/dm-crypt.c:crypt_iv_lmk_*"
   *  (code that only this scenario and others naming it reach). */
  reaches: string[];
  /** Run for every series: a quick check that the kernel still does I/O at all. */
  smoke: boolean;
}

/** Pure: a scenario's header lines into what it reaches. */
export function parseScenario(fileName: string, text: string): ScenarioInfo {
  const name = fileName.replace(/\.sh$/, '').replace(/^\d\d-/, '');
  const reaches: string[] = [];
  let smoke = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith('#')) break; // the header is the leading comment block
    const m = /^#\s*kpci-reaches:\s*(.*)$/.exec(line);
    if (m) reaches.push(...m[1]!.split(/\s+/).filter(Boolean));
    if (/^#\s*kpci-smoke\s*$/.test(line)) smoke = true;
  }
  return { name, reaches, smoke };
}

/** Every scenario of a guest folder, in the order the guest runs them. */
export async function readScenarios(guestDir: string): Promise<ScenarioInfo[]> {
  const dir = path.join(guestDir, 'scenarios');
  const files = (await readdir(dir)).filter((n) => n.endsWith('.sh')).sort();
  return Promise.all(files.map(async (f) => parseScenario(f, await readFile(path.join(dir, f), 'utf8'))));
}

/** guest/not-reached.tsv: "file<TAB>function<TAB>why no scenario reaches it", keyed "file:function". */
export async function readNotReached(guestDir: string): Promise<Map<string, string>> {
  const text = await readFile(path.join(guestDir, 'not-reached.tsv'), 'utf8').catch(() => '');
  const reasons = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [file, fn, why] = line.split('\t');
    if (!line.startsWith('#') && file && fn && why) reasons.set(`${file}:${fn}`, why.trim());
  }
  return reasons;
}
