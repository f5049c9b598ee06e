// Types for build-config.mjs (plain JS so that the build runs with plain `node`).
import type { BuildOptions, Metafile } from 'esbuild';
export declare const ROOT: string;
export declare const DIST: string;
export declare function builds(): BuildOptions[];
export declare function bundledPackageDirs(metafile: Metafile): string[];
