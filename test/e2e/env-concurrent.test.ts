// Several `openai-setup env --file X --gitignore` started at once in one project, as a script that
// backgrounds them would: the built binaries take turns on .gitignore (a lock in the config dir),
// so every file each says it added is one git ignores afterwards (a file left out would be
// committed with the key by the next `git add .`).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { makeKey } from '../helpers/openai-server.js';
import { runCli } from '../helpers/run.js';

const KEY = makeKey('proj', 'env-concurrent');
const RUNS = 8;
const ROUNDS = 4;
const envs: TestEnv[] = [];
afterEach(async () => {
  for (const t of envs.splice(0)) await t.cleanup();
});

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { PATH: process.env.PATH!, HOME: cwd, GIT_CONFIG_NOSYSTEM: '1' } });
}

/** Whether git ignores `name` in `cwd` (git check-ignore's exit code). */
function ignored(cwd: string, name: string): boolean {
  try {
    git(cwd, 'check-ignore', '-q', '--', name);
    return true;
  } catch {
    return false;
  }
}

describe('env --gitignore run in parallel', () => {
  it(`${RUNS} binaries at once, ${ROUNDS} rounds: every file each says it added is ignored by git, and holds the key`, async () => {
    const t = await makeTestEnv();
    envs.push(t);
    const stored = await runCli(['key', '--stdin', '--no-verify', '--insecure-storage'], { env: t.env, input: KEY });
    expect(stored.code, stored.stderr).toBe(0);
    const names = Array.from({ length: RUNS }, (_, i) => `${String.fromCharCode(97 + i)}.env`);

    for (let round = 1; round <= ROUNDS; round++) {
      const project = join(realpathSync(t.root), `project-${round}`);
      mkdirSync(project);
      git(project, 'init', '-q');
      writeFileSync(join(project, '.gitignore'), 'node_modules');
      const results = await Promise.all(names.map((name) => runCli(['env', '--file', name, '--gitignore'], { env: t.env, cwd: project, timeoutMs: 30_000 })));
      for (const [i, name] of names.entries()) {
        const r = results[i]!;
        expect(r.code, `round ${round}, ${name}: ${r.stderr}`).toBe(0);
        expect(r.stdout).toContain(`✔ Added /${name} to ${project}/.gitignore.\n`);
        expect(ignored(project, name), `round ${round}: ${name} said added, .gitignore:\n${readFileSync(join(project, '.gitignore'), 'utf8')}`).toBe(true);
        expect(readFileSync(join(project, name), 'utf8')).toBe(`OPENAI_API_KEY=${KEY}\n`);
        expect(r.stdout + r.stderr).not.toContain(KEY);
      }
      expect(readFileSync(join(project, '.gitignore'), 'utf8').split('\n').sort()).toEqual(['', 'node_modules', ...names.map((n) => `/${n}`)].sort());
    }
  });
});
