// Pure: the C function a line belongs to, found the way a kernel reader would (kernel style puts a function's
// opening brace alone in column 0), so fingerprints survive code moving up or down the file.

const HEADER_NAME = /([A-Za-z_]\w*)\s*\([^()]*(\([^()]*\)[^()]*)*$/;

/** Name of the function whose body contains 1-based `line`, or undefined at file scope. */
export function enclosingFunction(source: string, line: number): string | undefined {
  const lines = source.split('\n');
  for (let i = Math.min(line, lines.length) - 1; i >= 0; i--) {
    const text = lines[i]!;
    if (text.startsWith('}') && i < line - 1) return undefined; // a body closed before our line: file scope
    if (text.startsWith('{')) {
      // The declarator is on the lines above the brace; join them back to the previous blank/closing line.
      const header: string[] = [];
      for (let j = i - 1; j >= 0 && j >= i - 8; j--) {
        const h = lines[j]!;
        if (h.trim() === '' || h.startsWith('}') || h.trimEnd().endsWith(';')) break;
        header.unshift(h.trim());
      }
      const joined = header.join(' ').replace(/\s+/g, ' ');
      const paren = joined.indexOf('(');
      if (paren < 0) return undefined; // a struct or array initialiser, not a function
      return HEADER_NAME.exec(joined.slice(0, joined.lastIndexOf(')') + 1))?.[1] ?? /([A-Za-z_]\w*)\s*\(/.exec(joined)?.[1];
    }
  }
  return undefined;
}
