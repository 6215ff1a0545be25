// dist/ is what the Action and the bin run: it must be exactly what src/ builds to.
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO } from './helpers/fixtures.js';

describe('dist/', () => {
  test('rebuilding from src/ gives the committed bundles byte for byte', () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'kpci-dist-'));
    try {
      execFileSync(
        process.execPath,
        [
          path.join(REPO, 'node_modules', 'rollup', 'dist', 'bin', 'rollup'),
          '--silent',
          '--config',
          'rollup.config.js',
        ],
        {
          cwd: REPO,
          env: { ...process.env, KPCI_DIST_DIR: out },
          stdio: 'pipe',
        },
      );
      for (const name of ['index.js', 'cli.js']) {
        expect(readFileSync(path.join(out, name), 'utf8') === readFileSync(path.join(REPO, 'dist', name), 'utf8')).toBe(
          true,
        );
      }
      expect(statSync(path.join(REPO, 'dist', 'cli.js')).mode & 0o111).not.toBe(0);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});
