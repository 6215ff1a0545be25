// The function finder on the real trees: for every function universal-ctags finds in the trees' C files, the name
// enclosingFunction() gives a line of its body must be the function's real name. ctags is the oracle; where ctags
// itself misreads kernel code (a macro invocation with no ; glued to the next function, an annotation taken for the
// name, a "function" inside a #define), the rule below says so and the case is counted, not skipped silently.
// KPCI_EXHAUSTIVE=1 checks the whole trees (scripts/test-exhaustive.sh); by default the directories whose code
// series of this kind touch.
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { enclosingFunction } from '../../src/kernel/cfunc.js';
import { TREES, unpackedTree } from '../helpers/trees.js';

const EXHAUSTIVE = process.env.KPCI_EXHAUSTIVE === '1';
const DIRS = EXHAUSTIVE ? ['.'] : ['drivers/md', 'block', 'mm', 'lib', 'crypto', 'kernel', 'fs'];
const ANNOTATIONS = new Set(['__init', '__acquires', '__releases', '__must_hold']);

interface Tag {
  name: string;
  path: string;
  line: number;
  end: number;
}

function ctagsFunctions(treeDir: string): Tag[] {
  const out = execFileSync(
    'ctags',
    ['--output-format=json', '--kinds-C=f', '--fields=+ne', '-R', '--languages=C', '-o', '-', ...DIRS],
    { cwd: treeDir, maxBuffer: 1 << 30, encoding: 'utf8' },
  );
  return out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Tag)
    .filter((t) => t.end && t.path.endsWith('.c'));
}

/** Why ctags's name is not the function's, when ctags misread the code; undefined when ctags is right. */
function ctagsMisread(tag: Tag, lines: string[], brace: number, found: string | undefined): string | undefined {
  if (lines[brace - 1]?.endsWith('\\')) return found === undefined ? 'a brace inside a #define' : undefined;
  const annotation = ANNOTATIONS.has(tag.name);
  if (!found || !(annotation || new RegExp(`\\b${tag.name}\\s*\\(`).test(lines[tag.line - 1]!))) return undefined;
  // our name must be declared below ctags's name, after a return type (or after the annotation ctags took for it)
  const below = lines
    .slice(tag.line - 1, brace)
    .join('\n')
    .replace(/\/\*[\s\S]*?\*\//g, ' ');
  const declared = new RegExp(`([\\w*)])\\s*\\b${found}\\s*\\(`).exec(below);
  if (!declared) return undefined;
  if (annotation) return 'an annotation taken for the name';
  return declared[1] !== ')' && below.indexOf(declared[0]) > below.indexOf(`${tag.name}`)
    ? 'a macro invocation glued to the next function'
    : undefined;
}

describe.each(TREES)('enclosingFunction on every function of linux-source-$version', (t) => {
  test('names each function body by its real name', async () => {
    const dir = await unpackedTree(t);
    const mismatches: string[] = [];
    const misread = new Map<string, number>();
    let checked = 0;
    let source = '';
    let lines: string[] = [];
    let current = '';
    for (const tag of ctagsFunctions(dir)) {
      if (tag.path !== current) {
        current = tag.path;
        source = readFileSync(path.join(dir, tag.path), 'utf8');
        lines = source.split('\n');
      }
      // kernel style: the body's brace alone in column 0 (one-line bodies are not looked for)
      let brace = -1;
      for (let i = tag.line - 1; i < tag.end && brace < 0; i++) if (lines[i]?.startsWith('{')) brace = i;
      if (brace < 0) continue;
      checked++;
      const found = enclosingFunction(source, Math.min(brace + 2, tag.end));
      if (found === tag.name) continue;
      const why = ctagsMisread(tag, lines, brace, found);
      if (why) misread.set(why, (misread.get(why) ?? 0) + 1);
      else mismatches.push(`${tag.path}:${tag.line} ${tag.name}() read as ${found ?? 'file scope'}`);
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThan(EXHAUSTIVE ? 500_000 : 60_000);
    console.log(
      `linux-source-${t.version} ${DIRS.join(' ')}: ${checked} functions named right; ` +
        `ctags misread ${[...misread].map(([w, n]) => `${n} (${w})`).join(', ') || 'none'}`,
    );
  }, 1_800_000);
});

describe('the functions the md kmap_local conversion changes (linux-source-6.12)', () => {
  // each was misnamed before ("set", "too", "stripe") because of the comment block above its declarator
  test('every kmap_atomic() line in md-bitmap.c and raid5-cache.c is in the function it really is in', async () => {
    const dir = await unpackedTree(TREES.find((x) => x.version === '6.12')!);
    const named: string[] = [];
    for (const file of ['drivers/md/md-bitmap.c', 'drivers/md/raid5-cache.c']) {
      const source = readFileSync(path.join(dir, file), 'utf8');
      source.split('\n').forEach((l, i) => {
        if (/\bkmap_atomic\(/.test(l)) named.push(`${path.basename(file)}:${enclosingFunction(source, i + 1)}`);
      });
    }
    expect(named).toEqual([
      'md-bitmap.c:bitmap_update_sb',
      'md-bitmap.c:bitmap_print_sb',
      'md-bitmap.c:md_bitmap_new_disk_sb',
      'md-bitmap.c:md_bitmap_read_sb',
      'md-bitmap.c:md_bitmap_file_set_bit',
      'md-bitmap.c:md_bitmap_file_clear_bit',
      'md-bitmap.c:md_bitmap_file_test_bit',
      'md-bitmap.c:md_bitmap_init_from_disk',
      'md-bitmap.c:md_bitmap_init_from_disk',
      'md-bitmap.c:bitmap_daemon_work',
      'raid5-cache.c:r5l_write_stripe',
      'raid5-cache.c:r5l_recovery_verify_data_checksum',
      'raid5-cache.c:r5c_recovery_rewrite_data_only_stripes',
      'raid5-cache.c:r5c_cache_data',
    ]);
  }, 600_000);
});
