// Where the build stage leaves each cell's kernels and the boot stage finds them: the one place both agree on.
import path from 'node:path';

export interface CellArtifacts {
  dir: string;
  /** The patched kernel: the image QEMU boots and the vmlinux stack traces are decoded against. */
  bzImage: string;
  vmlinux: string;
  /** The unpatched kernel of the same config, for base-vs-patched comparisons. */
  baseBzImage: string;
  baseVmlinux: string;
  /** The cell's kbuild output dir, holding the patched objects (and their gcov notes). */
  buildDir: string;
}

export function cellArtifacts(outDir: string, workDir: string, cell: string): CellArtifacts {
  const dir = path.join(outDir, 'artifacts', cell);
  return {
    dir,
    bzImage: path.join(dir, 'bzImage'),
    vmlinux: path.join(dir, 'vmlinux'),
    baseBzImage: path.join(dir, 'base', 'bzImage'),
    baseVmlinux: path.join(dir, 'base', 'vmlinux'),
    buildDir: path.join(workDir, 'build', cell),
  };
}
