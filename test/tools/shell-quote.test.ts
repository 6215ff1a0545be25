import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { commandLine, shellQuote } from '../../src/tools/shell-quote.js';

describe('command lines a user can paste', () => {
  test('plain words stay plain; anything else is single-quoted', () => {
    expect(shellQuote('O=/tmp/out')).toBe('O=/tmp/out');
    expect(shellQuote('CC=ccache gcc')).toBe("'CC=ccache gcc'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('')).toBe("''");
    expect(commandLine(['make', '-C', '/src', 'CC=ccache gcc'], { LC_ALL: 'C' })).toBe(
      "LC_ALL=C make -C /src 'CC=ccache gcc'",
    );
  });
  test('bash reads each quoted word back as it was', () => {
    const words = ['a b', "it's", '$HOME', '`x`', 'tab\there', '*', 'new\nline'];
    const r = spawnSync('bash', ['-c', `printf '%s\\0' ${words.map(shellQuote).join(' ')}`], { encoding: 'utf8' });
    expect(r.stdout.split('\0').slice(0, -1)).toEqual(words);
  });
});
