import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = path.join(REPO, 'test', 'fixtures');
export const EXAMPLE_SERIES = path.join(REPO, 'examples', 'dm-kmap-local');
/** The md example, for 6.12 (in 6.1 dm-crypt and dm-log-writes still use kmap_atomic; in 6.12 only md does). */
export const MD_EXAMPLE_SERIES = path.join(REPO, 'examples', 'md-kmap-local');

export const fixture = (...parts: string[]) => readFileSync(path.join(FIXTURES, ...parts), 'utf8');
