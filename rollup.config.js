// Two self-contained ESM bundles: the Action's entry and the CLI. dist/ is committed and checked against src/.
import commonjs from '@rollup/plugin-commonjs';
import json from '@rollup/plugin-json';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import typescript from '@rollup/plugin-typescript';

const outDir = process.env.KPCI_DIST_DIR ?? 'dist'; // the dist test builds elsewhere and compares

const bundle = (input, file, banner) => ({
  input,
  output: { file, format: 'es', sourcemap: false, banner, inlineDynamicImports: true },
  plugins: [
    typescript({
      tsconfig: './tsconfig.json',
      include: ['src/**/*.ts'],
      outDir,
      declaration: false,
      noEmitOnError: true,
    }),
    nodeResolve({ preferBuiltins: true, exportConditions: ['node'] }),
    commonjs(),
    json(),
  ],
  onwarn(warning, warn) {
    // @actions/* and octokit use `this` at module scope in code we do not call; not worth the noise
    if (warning.code === 'THIS_IS_UNDEFINED' || warning.code === 'CIRCULAR_DEPENDENCY') return;
    warn(warning);
  },
});

export default [
  bundle('src/action/index.ts', `${outDir}/index.js`),
  bundle('src/cli/index.ts', `${outDir}/cli.js`, '#!/usr/bin/env node'),
];
