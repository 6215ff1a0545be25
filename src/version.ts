// Kept equal to package.json's version (a test checks), so the bundle needs no JSON import at run time.
export const TOOL_VERSION = '0.1.0';
