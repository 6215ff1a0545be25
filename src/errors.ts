// Errors that end a run with exit 2 and a one-line reason; anything else is a bug and is reported as such.

export type RunErrorKind = 'usage' | 'input' | 'tool' | 'infrastructure';

export class RunError extends Error {
  constructor(
    message: string,
    readonly kind: RunErrorKind = 'input',
  ) {
    super(message);
    this.name = 'RunError';
  }
}

export const usageError = (message: string) => new RunError(message, 'usage');
export const inputError = (message: string) => new RunError(message, 'input');
export const infraError = (message: string) => new RunError(message, 'infrastructure');

/** One line for the user, whatever was thrown. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const first = text.split('\n').find((l) => l.trim() !== '') ?? 'unknown error';
  return error instanceof RunError ? first.trim() : `internal error: ${first.trim()}`;
}
