// Where the build stage leaves each cell's kernels, and the record of them it hands to the boot stage.
import path from 'node:path';
import { BUILD_DIR_PREFIX, treeDirOf } from '../tree/prepare.js';

export interface CellArtifacts {
  dir: string;
  /** The patched kernel: the image QEMU boots and the vmlinux stack traces are decoded against. */
  bzImage: string;
  vmlinux: string;
  /** The unpatched kernel of the same config, for base-vs-patched comparisons. */
  baseBzImage: string;
  baseVmlinux: string;
  /** The base build's gcov notes of the touched objects (laid out as the O= dir), for the scenario map. */
  baseGcno: string;
  /** The cell's kbuild output dir, holding the patched objects (and their gcov notes): in our tree, one level down. */
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
    baseGcno: path.join(dir, 'base', 'gcno'),
    buildDir: path.join(treeDirOf(workDir), `${BUILD_DIR_PREFIX}${cell}`),
  };
}

export interface Kernel {
  image: string;
  vmlinux: string;
  /** The notes its profiled objects were built with (base kernels only): what its gcov counters are read against. */
  gcnoDir?: string;
}

/** One cell's kernels as its build left them: a failed build has no patched kernel, a broken base no base one. */
export interface CellKernels {
  /** The cell's artifacts folder: its .config ("config"), build log, consoles. */
  dir: string;
  /** The kbuild O= dir with the patched objects and their gcov notes. */
  buildDir: string;
  patched?: Kernel;
  base?: Kernel;
}

/** The build stage's hand-on: the kernels of each cell it built, by cell name. */
export interface BuiltKernels {
  cells: Record<string, CellKernels>;
}
