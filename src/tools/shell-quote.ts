// A command line as a user can paste it into a shell: for the reproduce blocks, never for running anything (every
// process here starts from an argument array, see exec.ts).
const SAFE = /^[\w@%+=:,./-]+$/;

export function shellQuote(word: string): string {
  return word !== '' && SAFE.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(argv: readonly string[], env: Record<string, string | undefined> = {}): string {
  const assignments = Object.entries(env)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${shellQuote(v!)}`);
  return [...assignments, ...argv.map(shellQuote)].join(' ');
}
