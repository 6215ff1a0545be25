// Right people, right tree: To/Cc from get_maintainer.pl, and whether the series' files belong to the tree under test.
import type { Finding } from '../results/model.js';
import type { Patch } from '../series/intake.js';
import {
  maintainersOfPatches,
  sectionsOfFile,
  type Address,
  type GetMaintainerOptions,
  type MaintainersSection,
} from '../tools/get-maintainer.js';

export interface Recipients {
  to: string[];
  cc: string[];
}

export interface FileHome {
  file: string;
  /** Matched MAINTAINERS sections, "THE REST" left out. */
  sections: string[];
  /** Git trees (T: lines) of every matched section, THE REST's mainline included. */
  trees: string[];
}

export interface MaintainersReport {
  series: Recipients;
  /** The git trees the series should be based on and sent to: the T: lines every file's own sections share. */
  destination: string[];
  perPatch: Recipients[];
  homes: FileHome[];
  findings: Finding[];
}

const REST = 'THE REST';

/** Pure: people with a role (maintainer, supporter, reviewer…) go in To; lists and bare list addresses go in Cc. */
export function splitRecipients(addresses: readonly Address[]): Recipients {
  const to: string[] = [];
  const cc: string[] = [];
  for (const a of addresses) {
    const isList = !a.name || a.roles.some((r) => /\blist\b/.test(r));
    (isList ? cc : to).push(a.address);
  }
  return { to, cc };
}

/** Pure: git://git.kernel.org/pub/scm/…/linux-dm.git and https://…/linux-dm are the same tree. */
export function sameTree(a: string, b: string): boolean {
  const norm = (u: string) =>
    u
      .trim()
      .replace(/^[a-z+]+:\/\//i, '')
      .replace(/^[^@/]+@/, '')
      .replace(/:(?!\d)/, '/')
      .replace(/\/+$/, '')
      .replace(/\.git$/, '')
      .toLowerCase();
  return norm(a) === norm(b);
}

export function fileHome(file: string, sections: readonly MaintainersSection[]): FileHome {
  return {
    file,
    sections: sections.map((s) => s.name).filter((n) => n !== REST),
    trees: sections.flatMap((s) => s.gitTrees),
  };
}

const shortName = (url: string) =>
  url
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .split('/')
    .at(-1) ?? url;
const isMainline = (url: string) => /torvalds\/linux(\.git)?$/.test(url.replace(/\/+$/, ''));

/** Pure: the trees the files' own MAINTAINERS sections name (THE REST's mainline only when nothing else does). */
function ownTrees(h: FileHome): string[] {
  const own = h.trees.filter((t) => !isMainline(t));
  return own.length ? own : h.trees;
}

/** Pure: the trees every file of the series belongs to: where the series is to be based and sent. */
export function destinationTrees(homes: readonly FileHome[]): string[] {
  const withTrees = homes.filter((h) => h.trees.length > 0);
  if (withTrees.length === 0) return [];
  const first = ownTrees(withTrees[0]!);
  return first.filter((t) => withTrees.every((h) => ownTrees(h).some((u) => sameTree(t, u))));
}

/**
 * Pure: files whose sections do not name the tree under test (when it is known: a git URL, or a checkout's
 * origin), and a series no one MAINTAINERS section covers whole.
 */
export function treeFindings(
  homes: readonly FileHome[],
  target: string | undefined,
  patches: readonly Patch[],
): Finding[] {
  const findings: Finding[] = [];
  const patchOf = (file: string) => patches.find((p) => p.files.some((f) => f.path === file))?.index;
  for (const h of homes) {
    // a file belongs to the tree under test when one of its matched sections' T: lines names that tree
    if (target === undefined || h.trees.length === 0 || h.trees.some((t) => sameTree(t, target))) continue;
    findings.push({
      tool: 'readiness',
      severity: 'warning',
      type: 'NOT_FOR_THIS_TREE',
      file: h.file,
      patch: patchOf(h.file),
      new: true,
      message:
        `${h.file} is maintained in ${ownTrees(h).map(shortName).join(', ')} (${h.sections.join('; ') || REST}), ` +
        `not in ${shortName(target)}, the tree under test: ` +
        `base the series on ${ownTrees(h).join(' or ')} and send it there`,
    });
  }
  const specific = homes.filter((h) => h.sections.length > 0);
  const common = specific.length
    ? specific[0]!.sections.filter((s) => specific.every((h) => h.sections.includes(s)))
    : [];
  if (specific.length > 1 && common.length === 0) {
    const areas = [...new Set(specific.flatMap((h) => h.sections))];
    findings.push({
      tool: 'readiness',
      severity: 'warning',
      type: 'SPANS_MAINTAINERS',
      new: true,
      message:
        `the series spans maintainers' areas (${areas.join('; ')}): ` +
        'split it per area, or say in the cover letter which tree should take it',
    });
  }
  return findings;
}

/** Pure: "md (git://…/song/md.git)" for the summary and the finding. */
export function describeDestination(trees: readonly string[]): string {
  return trees.map((t) => `${shortName(t)} (${t})`).join(' or ');
}

const describeRecipients = (r: Recipients) =>
  `To: ${r.to.join(', ') || '(nobody)'}; Cc: ${r.cc.join(', ') || '(nobody)'}`;

/** `upstream`: the git URL of the tree under test, when known; a tarball or a directory does not say. */
export async function findMaintainers(
  patches: readonly Patch[],
  upstream: string | undefined,
  options: GetMaintainerOptions,
): Promise<MaintainersReport> {
  const perPatch: Recipients[] = [];
  for (const p of patches) perPatch.push(splitRecipients(await maintainersOfPatches([p.file], options)));
  const series = splitRecipients(
    await maintainersOfPatches(
      patches.map((p) => p.file),
      options,
    ),
  );
  const files = [...new Set(patches.flatMap((p) => p.files.filter((f) => f.status !== 'deleted').map((f) => f.path)))];
  const homes: FileHome[] = [];
  for (const f of files) homes.push(fileHome(f, await sectionsOfFile(f, options)));
  const destination = destinationTrees(homes);
  const findings: Finding[] = [
    ...patches.map((p, i): Finding => ({
      tool: 'readiness',
      severity: 'info',
      type: 'RECIPIENTS',
      patch: p.index,
      new: true,
      message: `patch ${p.index}: ${describeRecipients(perPatch[i]!)}`,
    })),
    {
      tool: 'readiness',
      severity: 'info',
      type: 'RECIPIENTS',
      new: true,
      message: `series: ${describeRecipients(series)}`,
    },
    ...(destination.length
      ? [
          {
            tool: 'readiness',
            severity: 'info',
            type: 'SEND_TO_TREE',
            new: true,
            message:
              `base the series on ${describeDestination(destination)} and send it there: ` +
              `the tree MAINTAINERS names for ${
                homes
                  .filter((h) => h.sections.length)
                  .map((h) => h.sections.join('; '))
                  .filter((v, i, a) => a.indexOf(v) === i)
                  .join(' and ') || REST
              }`,
          } satisfies Finding,
        ]
      : []),
    ...treeFindings(homes, upstream, patches),
  ];
  return { series, destination, perPatch, homes, findings };
}
