// A machine for import's unit tests: a test context with a temp home (HOME) beside its project
// folder, files written there as a person keeps them, import's real places, and a fish that
// erases a universal variable as fish does (rewriting fish_variables without it).
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CheckRequest, CheckResult } from '../../src/api/types.js';
import { defaultDeps, type ImportDeps } from '../../src/commands/import.js';
import { checkResult, type TestContext, type TestContextOptions } from './context.js';
import type { trackedContexts } from './tracked-contexts.js';

export interface ImportMachine extends TestContext {
  home: string;
  /** Writes `text` at `path` (`~/…` in the home, else in the project folder), mode 0644 unless given; its full path. */
  write(path: string, text: string, mode?: number): string;
  read(path: string): string;
  /** The scripts fish was asked to run. */
  fishCalls: string[];
  deps: ImportDeps;
}

/** A working key's check: it can spend when the test request is sent, else only listed models (as `import --check`). */
const worksAsChecked = (request: CheckRequest): CheckResult =>
  request.billingCheck ? checkResult('valid') : checkResult('valid', { billing: 'unchecked', message: 'The key works.' });

/** The machine, its context made by `contexts` (with an admin API); a live check works for `working` keys alone, as the API answers. */
export function importMachine(contexts: ReturnType<typeof trackedContexts>, working: string[], options: TestContextOptions = {}): ImportMachine {
  const t = contexts.make({ admin: true, ...options });
  const home = join(dirname(t.cwd), 'home');
  mkdirSync(home);
  t.ctx.rawEnv.HOME = home;
  const fishCalls: string[] = [];
  const deps: ImportDeps = {
    places: defaultDeps().places,
    fish: async (script) => {
      fishCalls.push(script);
      const name = /^set -Ue (\w+)$/.exec(script)![1]!;
      const file = join(home, '.config', 'fish', 'fish_variables');
      writeFileSync(file, readFileSync(file, 'latin1').split('\n').filter((l) => !l.includes(` ${name}:`)).join('\n'), 'latin1');
      return { ok: true, missing: false, detail: '' };
    },
  };
  const full = (path: string) => (path.startsWith('~/') ? join(home, path.slice(2)) : join(t.cwd, path));
  const write = (path: string, text: string, mode = 0o644) => {
    mkdirSync(dirname(full(path)), { recursive: true });
    writeFileSync(full(path), text, { mode });
    chmodSync(full(path), mode);
    return full(path);
  };
  const read = (path: string) => readFileSync(full(path), 'latin1');
  t.api.answerEveryCheck((request) => (working.includes(request.key) ? worksAsChecked(request) : checkResult('invalid_key')));
  return Object.assign(t, { home, write, read, fishCalls, deps });
}
