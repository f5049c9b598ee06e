// Types for pack.mjs (plain JS so that the benchmark runs with plain `node`).
export declare const REPO_ROOT: string;

export interface PackedFile {
  path: string;
  size: number;
}

export interface Packed {
  tarball: string;
  filename: string;
  /** bytes of the .tgz */
  size: number;
  /** bytes of the files inside it */
  unpackedSize: number;
  files: PackedFile[];
}

export interface InstalledPackage {
  name: string;
  version: string;
  /** e.g. node_modules/@napi-rs/keyring */
  path: string;
  /** bytes of its own files (nested node_modules excluded) */
  bytes: number;
}

export interface Tree {
  packages: InstalledPackage[];
  bytes: number;
  files: number;
}

export interface Installed extends Tree {
  /** wall time of `npm install` */
  ms: number;
  /** what npm warned about while installing (empty when nothing) */
  warnings: string;
}

export declare function npmEnv(base?: NodeJS.ProcessEnv | Record<string, string | undefined>): Record<string, string>;
export declare function packTarball(destDir: string): Packed;
export declare function installTarball(tarball: string, installDir: string): Installed;
export declare function measureTree(nodeModules: string): Tree;
export declare function reachableDistFiles(distDir: string): Set<string>;
