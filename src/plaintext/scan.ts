// Looking in every place (places.ts) for keys (find.ts), without changing anything: each finding
// is a file, a line, the key and what the line assigns it to.
import { realpathSync, statSync } from 'node:fs';
import { BOM } from '../keys/dotenv.js';
import { describeFileError, readRegularFile } from '../storage/read-file.js';
import { continueOtherProvider } from './continue.js';
import { decodeFishEscapes, findKeys } from './find.js';
import type { Place, PlaceKind, ToolName } from './places.js';

/**
 * Why nothing under `dir` can be looked in (a HOME longer than a path may be, a parent that cannot
 * be searched), in describeFileError's words, or null: every file there would be skipped for the
 * same reason, said once for the directory instead. Absent is not that: its files are just not there.
 */
export function unreachableDir(dir: string): string | null {
  try {
    statSync(dir);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? null : (describeFileError(error) ?? (error as Error).message);
  }
}

/** Larger files are not config files: they are skipped (and said so). */
export const MAX_FILE_BYTES = 4 * 1024 * 1024;

export interface Finding {
  /** The file as import looked for it (not resolved through links). */
  path: string;
  /** 1-based. */
  line: number;
  kind: PlaceKind;
  tool?: ToolName;
  key: string;
  /** The variable the line assigns the key to (OPENAI_API_KEY…), when it says. */
  variable: string | null;
  /** The file's text is UTF-16 (a Windows PowerShell profile can be): found, never edited. */
  utf16: boolean;
}

export interface ScanResult {
  findings: Finding[];
  /** How many files were looked in (read whole); those in `skipped` are not among them. */
  looked: number;
  /** Files that exist but could not be read, or were too large. */
  skipped: Array<{ path: string; why: string }>;
}

function variableOf(kind: PlaceKind, line: string): string | null {
  // Each pattern reads a line one way only (a flag is `-` and letters, not `-{1,2}` and letters;
  // blanks are one run): one that can split a line many ways takes exponential or quadratic time
  // on a long line that does not match.
  const patterns: RegExp[] =
    kind === 'fish-universal'
      ? [/^SETUVAR\s+(?:--\S+\s+)*([A-Za-z_][A-Za-z0-9_]*):/]
      : kind === 'fish'
        ? [/^\s*set\s+(?:-[A-Za-z-]+\s+)*([A-Za-z_][A-Za-z0-9_]*)\s/]
        : kind === 'powershell'
          ? [/^\s*\$env:([A-Za-z_][A-Za-z0-9_]*)\s*=/i, /SetEnvironmentVariable\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']/]
          : [/^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/, /^\s*(?:-\s*)?([A-Za-z_][A-Za-z0-9_-]*)\s*:/, /^\s*"([^"]+)"\s*:/];
  for (const pattern of patterns) {
    const name = pattern.exec(line.replace(BOM, ''))?.[1];
    if (name) return name;
  }
  return null;
}

/** The text of a file for searching: UTF-16 with its BOM decoded, anything else byte for byte. */
function textOf(bytes: Buffer): { text: string; utf16: boolean } {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: bytes.subarray(2).toString('utf16le'), utf16: true };
  return { text: bytes.toString('latin1'), utf16: false };
}

/**
 * The look (a score of places, mostly absent) is synchronous: ~0.3 ms, which `status` pays on
 * every run. The few files there are read by the one reader (storage/read-file.ts): opened without
 * blocking and checked once open, so that a FIFO or device put in a file's place since the look
 * cannot hang the run, nor one grown past the cap be read.
 */
export async function scanPlaces(places: Place[]): Promise<ScanResult> {
  const findings: Finding[] = [];
  const skipped: ScanResult['skipped'] = [];
  const seen = new Set<string>();
  let looked = 0;
  for (const place of places) {
    let bytes: Buffer;
    try {
      const info = statSync(place.path);
      if (!info.isFile()) continue;
      // One file under two names (.bash_profile linked to .bashrc) is reported once.
      const real = realpathSync(place.path);
      if (seen.has(real)) continue;
      seen.add(real);
      const read = await readRegularFile(place.path, MAX_FILE_BYTES);
      // Removed since the look: as if it had not been there.
      if (read === null) continue;
      // Counted once read: one skipped (too large, unreadable) was not looked in.
      looked++;
      bytes = read;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') skipped.push({ path: place.path, why: describeFileError(error) ?? (error as Error).message });
      continue;
    }
    const { text, utf16 } = textOf(bytes);
    text.split('\n').forEach((raw, index) => {
      const line = place.kind === 'fish-universal' ? decodeFishEscapes(raw) : raw;
      for (const { key, index: column } of findKeys(line)) {
        // In a model entry of Continue's of another provider (anthropic, deepseek…): that service's key.
        if (place.tool === 'continue' && continueOtherProvider(text, index + 1, column, place.path.endsWith('.json')) !== null) continue;
        findings.push({
          path: place.path,
          line: index + 1,
          kind: place.kind,
          ...(place.tool ? { tool: place.tool } : {}),
          key,
          variable: variableOf(place.kind, line),
          utf16,
        });
      }
    });
  }
  return { findings, looked, skipped };
}

/**
 * After a file changed, the line each of `findings` (that file's, still there) is on now, given
 * `now` (the file scanned again): import's edits only take copies of a key away (a line removed
 * moves those below it up), so each key's copies left are, in order, its copies found now. A key
 * with another number of copies (the file changed otherwise too) keeps its lines: each edit
 * checks its line still holds the key before writing.
 */
export function followLines(findings: Finding[], now: Finding[]): void {
  for (const key of new Set(findings.map((f) => f.key))) {
    const before = findings.filter((f) => f.key === key).sort((a, b) => a.line - b.line);
    const after = now.filter((f) => f.key === key);
    if (before.length !== after.length) continue;
    before.forEach((f, i) => (f.line = after[i]!.line));
  }
}
