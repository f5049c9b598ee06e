// Which folder of src/ may import which (README "Code map"), checked on every file's imports, so a
// shortcut across the layers fails here rather than in a review: api/ knows nothing stored,
// storage/ builds no request and prints nothing, and a command is reached only through the table.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []));
}

/** A path under src/ as the rules name it: "api/check.ts". */
const named = (file: string) => relative(SRC, file).split(sep).join('/');

interface Import {
  file: string;
  /** The imported module, under src/ ("storage/state.ts"). */
  target: string;
  /** `import type …`, or only `type` names between the braces: nothing of it runs. */
  typeOnly: boolean;
}

/** Every relative import and re-export of a file, static or dynamic. */
function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const found: Import[] = [];
  const add = (spec: string, typeOnly: boolean) => {
    if (spec.startsWith('.')) found.push({ file: named(file), target: named(resolve(dirname(file), spec).replace(/\.js$/, '.ts')), typeOnly });
  };
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(type\s+)?([^'";]*?)\s*from\s*'([^']+)'/gm)) {
    const names = /\{([^}]*)\}/.exec(m[2]!)?.[1]?.split(',').map((n) => n.trim()).filter(Boolean);
    add(m[3]!, Boolean(m[1]) || (names !== undefined && names.length > 0 && names.every((n) => n.startsWith('type ')) && !/^[\w$]/.test(m[2]!)));
  }
  for (const m of text.matchAll(/^\s*import\s+'([^']+)'/gm)) add(m[1]!, false);
  for (const m of text.matchAll(/(typeof\s+)?\bimport\(\s*'([^']+)'\s*\)/g)) add(m[2]!, Boolean(m[1]));
  return found;
}

const ALL = sourceFiles(SRC).flatMap(importsOf);
const from = (folder: string) => ALL.filter((i) => i.file.startsWith(`${folder}/`));
const shown = (list: Import[]) => list.map((i) => `${i.file} → ${i.target}${i.typeOnly ? ' (types)' : ''}`);

/** The modules at the top of src/ that join two layers (README "Code map"): neither layer imports them. */
const BETWEEN = ['admin-auth.ts', 'last-check.ts'];

describe('the imports between the folders of src/', () => {
  it('are all seen: static, type-only and the loaders of the command table', () => {
    expect(shown(ALL.filter((i) => i.target === 'commands/verify.ts'))).toEqual(['commands/index.ts → commands/verify.ts']);
    expect(ALL).toContainEqual({ file: 'storage/state.ts', target: 'api/status.ts', typeOnly: false });
    expect(ALL).toContainEqual({ file: 'context.ts', target: 'storage/state.ts', typeOnly: true });
    expect(ALL).toContainEqual({ file: 'api/check.ts', target: 'api/diagnosis.ts', typeOnly: false });
  });

  it('api/ imports nothing from storage/, stages/ or commands/, nor what joins it to storage/', () => {
    const wrong = from('api').filter((i) => /^(?:storage|stages|commands)\//.test(i.target) || BETWEEN.includes(i.target));
    expect(shown(wrong)).toEqual([]);
  });

  it('api/ reads and writes nothing stored: no ctx.state, no ctx.keys', () => {
    const touching = sourceFiles(join(SRC, 'api')).filter((file) => /\bctx\.(?:state|keys)\b/.test(readFileSync(file, 'utf8'))).map(named);
    expect(touching).toEqual([]);
  });

  it('storage/ takes from api/ only the status names it stores and the types of types.ts; nothing from stages/ or commands/', () => {
    const allowed = (i: Import) => i.target === 'api/status.ts' || (i.target === 'api/types.ts' && i.typeOnly);
    const wrong = from('storage').filter((i) => (i.target.startsWith('api/') && !allowed(i)) || /^(?:stages|commands)\//.test(i.target) || BETWEEN.includes(i.target));
    expect(shown(wrong)).toEqual([]);
  });

  it('storage/ prints nothing: no marks or spinner from terminal/output.ts, no line written to the terminal', () => {
    expect(shown(from('storage').filter((i) => i.target === 'terminal/output.ts' && !i.typeOnly))).toEqual([]);
    const printing = sourceFiles(join(SRC, 'storage')).filter((file) => /\bterm\.(?:out|err|spinner)\(/.test(readFileSync(file, 'utf8'))).map(named);
    expect(printing).toEqual([]);
  });

  it('a command is imported by the table alone (commands/index.ts), and the table by main.ts and program.ts alone', () => {
    const wrong = ALL.filter((i) => i.target.startsWith('commands/') && (i.target === 'commands/index.ts' ? !['main.ts', 'program.ts'].includes(i.file) : i.file !== 'commands/index.ts'));
    expect(shown(wrong)).toEqual([]);
  });
});

describe('what boot.ts reaches (dist/boot.cjs, parsed on every start)', () => {
  it('is the little that `--version` and `--help` need: no sanitize, redact or key format', () => {
    const reached = new Set(['boot.ts']);
    for (const file of reached) for (const i of ALL) if (i.file === file && !i.typeOnly) reached.add(i.target);
    expect([...reached].sort()).toEqual([
      '../package.json',
      'boot.ts',
      'storage/errno-words.ts',
      'storage/home.ts',
      'storage/make-dirs.ts',
      'terminal/charset.ts',
      'terminal/invocation.ts',
      'terminal/output-failure.ts',
      'terminal/shell.ts',
      'terminal/unsafe-char.ts',
    ]);
  });
});
