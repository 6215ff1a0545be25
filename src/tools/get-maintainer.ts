// The tree's own scripts/get_maintainer.pl, and pure parsers of its two outputs (addresses with roles, sections).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { execTool } from './exec.js';
import { RunError } from '../errors.js';

export interface Address {
  /** "Name <email>" or a bare "email", as get_maintainer.pl prints it. */
  address: string;
  email: string;
  name?: string;
  /** Roles as printed, e.g. "maintainer:DEVICE-MAPPER  (LVM)", "open list". */
  roles: string[];
}

export interface MaintainersSection {
  name: string;
  /** Every "X:" line of the section, by letter, values in order. */
  fields: Record<string, string[]>;
  /** The URLs of its "T: git …" lines (a branch after the URL is dropped). */
  gitTrees: string[];
}

/** Split "a,b:c (d),e" at the commas that are not inside parentheses. */
function splitRoles(text: string): string[] {
  const roles: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      roles.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) roles.push(current.trim());
  return roles;
}

/** Pure: "Name <email> (role:SECTION,…)" and "email (role)" lines; anything else is ignored. */
export function parseAddresses(output: string): Address[] {
  const addresses: Address[] = [];
  for (const line of output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)) {
    const m = /^(?:(.*?)\s*<([^<>\s]+@[^<>\s]+)>|([^\s()<>]+@[^\s()<>]+))(?:\s+\((.*)\))?$/.exec(line);
    if (!m) continue;
    const email = (m[2] ?? m[3])!;
    const name = m[1]?.replace(/^"|"$/g, '') || undefined;
    addresses.push({
      address: name ? `${name} <${email}>` : email,
      email,
      ...(name ? { name } : {}),
      roles: m[4] ? splitRoles(m[4]) : [],
    });
  }
  return addresses;
}

/** Pure: the blocks `--sections` prints — a name line, then "X:\tvalue" lines, blank-line separated. */
export function parseSections(output: string): MaintainersSection[] {
  const sections: MaintainersSection[] = [];
  let current: MaintainersSection | undefined;
  for (const line of output.split('\n')) {
    const field = /^([A-Z]):\s+(.*)$/.exec(line);
    if (field && current) {
      (current.fields[field[1]!] ??= []).push(field[2]!.trim());
      const git = /^git\s+(\S+)/.exec(field[2]!.trim());
      if (field[1] === 'T' && git) current.gitTrees.push(git[1]!);
    } else if (line.trim() === '') current = undefined;
    else if (!current) {
      current = { name: line.trim(), fields: {}, gitTrees: [] };
      sections.push(current);
    }
  }
  return sections;
}

export interface GetMaintainerOptions {
  treeDir: string;
  timeoutMs: number;
}

// Always --no-git --no-git-fallback: the answer must come from MAINTAINERS, not from how deep the checkout's
// history is.
const BASE_ARGS = ['--no-git', '--no-git-fallback'];

async function getMaintainer(args: string[], options: GetMaintainerOptions): Promise<string> {
  const script = path.join(options.treeDir, 'scripts', 'get_maintainer.pl');
  if (!existsSync(script)) throw new RunError(`the tree has no scripts/get_maintainer.pl`, 'tool');
  // run from the tree dir: the script finds MAINTAINERS (and checks it is a kernel tree) relative to it
  const result = await execTool('perl', [script, ...BASE_ARGS, ...args], {
    cwd: options.treeDir,
    timeoutMs: options.timeoutMs,
    env: { ...process.env, LC_ALL: 'C' },
  });
  if (result.code !== 0 || result.timedOut) {
    const why = result.timedOut ? 'timed out' : result.stderr.trim().split('\n')[0] || `exit ${result.code}`;
    throw new RunError(`get_maintainer.pl failed: ${why}`, 'tool');
  }
  return result.stdout;
}

/** Who should receive these patch files (one or the whole series), with the roles MAINTAINERS gives them. */
export async function maintainersOfPatches(
  patchFiles: readonly string[],
  options: GetMaintainerOptions,
): Promise<Address[]> {
  return parseAddresses(await getMaintainer([...patchFiles], options));
}

/** The MAINTAINERS sections that match one file of the tree, with their T: lines. */
export async function sectionsOfFile(file: string, options: GetMaintainerOptions): Promise<MaintainersSection[]> {
  return parseSections(await getMaintainer(['--sections', '-f', file], options));
}
