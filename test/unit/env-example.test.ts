// .env.example is the README's list of "every variable the tool reads": every name src/ reads from
// the environment is in it, so that list cannot fall behind the code.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []));
}

describe('.env.example', () => {
  it('names every environment variable src/ reads', () => {
    const listed = new Set([...readFileSync(join(ROOT, '.env.example'), 'utf8').matchAll(/^([A-Za-z_][A-Za-z0-9_]*)=/gm)].map((m) => m[1]));
    const read = new Set<string>();
    for (const file of sourceFiles(join(ROOT, 'src'))) {
      // `env.NAME`, `rawEnv.NAME`, `process.env.NAME` (optional chaining too): names in capitals, or npm's npm_* (npm_command, npm_config_*).
      for (const m of readFileSync(file, 'utf8').matchAll(/\b(?:env|rawEnv)\??\.([A-Z][A-Z0-9_]+|npm_[a-z_]+|https?_proxy|no_proxy)\b/g)) read.add(m[1]!);
    }
    // Lower-case proxy names are the same variables as their capitals, which are listed.
    const missing = [...read].filter((name) => !listed.has(name) && !listed.has(name.toUpperCase()));
    expect(read.size).toBeGreaterThan(20);
    expect(missing).toEqual([]);
  });
});
