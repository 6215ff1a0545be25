// Pure: which guest scenarios a series needs, from the files and functions it changes and what each scenario says
// it reaches, plus the smoke set; and why, for the report.
import type { ScenarioInfo } from '../guest/scenarios.js';

export interface ScenarioChoice {
  /** In the guest's order. */
  names: string[];
  /** One line per chosen scenario: what made it chosen. */
  reasons: string[];
  /** Changed files no scenario says it reaches. */
  unreached: string[];
}

/** Pure: "name: a(), b(), c(), d() and 2 more", each reason once. */
export function reasonLine(name: string, reasons: readonly string[]): string {
  const list = [...new Set(reasons)];
  return `${name}: ${list.length > 4 ? `${list.slice(0, 4).join(', ')} and ${list.length - 4} more` : list.join(', ')}`;
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(
    `^${glob
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}

function matches(pattern: string, file: string, fn?: string): boolean {
  const [filePart, fnPart] = pattern.split(':') as [string, string | undefined];
  if (!globToRegExp(filePart).test(file)) return false;
  return fnPart === undefined ? true : fn !== undefined && globToRegExp(fnPart).test(fn);
}

/**
 * A changed function goes to the scenarios that name it (FILE:FUNCTION), or else to those that reach its file; a
 * changed file with no changed function (a header, a Makefile, lines outside any function) to those that reach the
 * file. The smoke scenarios always run.
 */
export function chooseScenarios(
  scenarios: readonly ScenarioInfo[],
  files: readonly string[],
  functions: readonly { file: string; name: string }[],
): ScenarioChoice {
  const why = new Map<string, string[]>();
  const add = (s: ScenarioInfo, reason: string) => why.set(s.name, [...(why.get(s.name) ?? []), reason]);
  const unreached: string[] = [];
  for (const file of files) {
    const own = functions.filter((f) => f.file === file);
    const fileLevel = scenarios.filter((s) => s.reaches.some((p) => !p.includes(':') && matches(p, file)));
    if (own.length === 0) {
      fileLevel.forEach((s) => add(s, file));
      if (fileLevel.length === 0) unreached.push(file);
      continue;
    }
    for (const fn of own) {
      const specific = scenarios.filter((s) => s.reaches.some((p) => p.includes(':') && matches(p, file, fn.name)));
      (specific.length ? specific : fileLevel).forEach((s) => add(s, `${fn.name}()`));
      if (specific.length === 0 && fileLevel.length === 0 && !unreached.includes(file)) unreached.push(file);
    }
  }
  for (const s of scenarios) if (s.smoke) add(s, 'smoke');
  const chosen = scenarios.filter((s) => why.has(s.name));
  const reasons = chosen.map((s) => reasonLine(s.name, why.get(s.name)!));
  return { names: chosen.map((s) => s.name), reasons, unreached };
}
