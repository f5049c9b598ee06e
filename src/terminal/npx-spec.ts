// What npx was asked to run, when its own copy of the tool is the one running: npm installs it in
// `<npm cache>/_npx/<hash>`, and writes there a package.json with the spec it installed
// (`dependencies`: `file:../../x/openai-setup-0.1.0.tgz`, a git or tarball URL, or `^0.1.0` for any
// version from the registry) and, since npm 9, the specs as they were typed (`_npx.packages`:
// `openai-setup`, `openai-setup@0.1.0`, `/tmp/x/openai-setup-0.1.0.tgz`). invocation.ts turns the
// answer into the command that runs this same copy again. A module of its own, for the zod it
// needs: boot.ts reaches invocation.ts, and its bundle stays small (test/unit/layers.test.ts).
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import * as z from 'zod/mini';

/** How npx was asked for the package, as it can be asked for it again. */
export type NpxAsked =
  /** From the registry: `version` the version, range or tag typed after `openai-setup@`; null for the latest. */
  | { kind: 'registry'; version: string | null }
  /** Anything else (a tarball, a git repository, a URL): the spec `npx --package=` takes, a file's made absolute. */
  | { kind: 'source'; spec: string };

/** npx's package.json is a few hundred bytes: more is not npm's. */
const MAX_BYTES = 64 * 1024;
/**
 * A spec printed in a command: printable letters of any script (a tarball in ~/Téléchargements),
 * spaces inside, of a sensible length; a line break, a control or format character (an escape, a
 * bidi override) or another kind of space in one is not npm's. Shown quoted by shellWord, which
 * makes it safe.
 */
const PRINTABLE_SPEC = /^[^\p{C}\p{Z}](?:[^\p{C}\p{Z}]| ){0,498}(?<! )$/u;
/** A registry version, range or tag: what follows `openai-setup@` (`0.1.0`, `^0.1.0`, `>=0.1 <0.3`, `next`). */
const REGISTRY_VERSION = /^[\w.^~<>=|*+ -]+$/;

/** The fields of npx's package.json looked at; anything else in it is let be. */
const NpxPackageJsonSchema = z.object({
  dependencies: z.optional(z.record(z.string(), z.unknown())),
  _npx: z.optional(z.object({ packages: z.optional(z.array(z.unknown())) })),
});

/** The file's text, when it is a regular file of at most `max` bytes; else null. */
function readSmallFile(path: string, max: number): string | null {
  let fd: number;
  try {
    // Non-blocking: a FIFO in its place would otherwise wait for a writer.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch {
    return null;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size > max) return null;
    const buffer = Buffer.alloc(max + 1);
    // Read to its end, in case it grew since: one byte more than `max` is too large.
    let length = 0;
    for (let n = 1; n > 0 && length <= max; length += n) n = readSync(fd, buffer, length, buffer.length - length, null);
    return length > max ? null : buffer.toString('utf8', 0, length);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/**
 * How npx was asked for the copy it installed in `dir` (an `_npx/<hash>` folder), or null when
 * that cannot be told (no such file, not npm's, a spec this cannot say again as it was meant).
 * `running`: the version running, which pins a registry copy when the typed spec is not kept.
 */
export function npxAskedFor(dir: string, name: string, running: string): NpxAsked | null {
  const text = readSmallFile(join(dir, 'package.json'), MAX_BYTES);
  if (text === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = NpxPackageJsonSchema.safeParse(json);
  if (!parsed.success) return null;
  const saved = parsed.data.dependencies?.[name];
  if (typeof saved !== 'string' || !PRINTABLE_SPEC.test(saved)) return null;
  if (saved.startsWith('file:')) {
    // Relative to the folder npx installed it in; a folder would have been linked (invocation.ts follows the link).
    const path = saved.slice('file:'.length);
    const file = isAbsolute(path) ? path : resolve(dir, path);
    try {
      return statSync(file).isFile() ? { kind: 'source', spec: file } : null;
    } catch {
      return null; // gone: npx could not install it again
    }
  }
  // A git repository, a tarball's URL, an alias: said again as npm saved it.
  if (!REGISTRY_VERSION.test(saved)) return saved.startsWith('npm:') ? null : { kind: 'source', spec: saved };
  // From the registry, saved as `^` and the version whatever was typed: the typed spec tells
  // latest from a pinned one. Without it (npm before 9), the version running, which is this copy.
  const typed = (parsed.data._npx?.packages ?? []).find((spec): spec is string => typeof spec === 'string' && (spec === name || spec.startsWith(`${name}@`)));
  if (typed === undefined) return REGISTRY_VERSION.test(running) ? { kind: 'registry', version: running } : null;
  const version = typed.slice(name.length + 1).trim();
  if (version === '' || version === 'latest' || version === '*') return { kind: 'registry', version: null };
  if (!REGISTRY_VERSION.test(version) || !PRINTABLE_SPEC.test(version)) return null;
  return { kind: 'registry', version };
}
