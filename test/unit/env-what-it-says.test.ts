// What `env` says of a file it changed, as the file was: another key it replaced there (named by its
// hint only, and whether a profile stores it: by the key itself, those no record names too), a line added besides the one updated, and a file
// whose lines end in a lone carriage return (refused, naming that cause and the fix).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as env } from '../../src/commands/env.js';
import { maskKey } from '../../src/keys/format.js';
import { makeTestContext, outcomeOf, testKey, type TestContext } from '../helpers/context.js';

const KEY = testKey('A');
/** Another key, stored nowhere (the person's own, pasted there by hand). */
const OTHER = testKey('B');

// git without the person's own configuration.
const GIT_ENV = { PATH: process.env.PATH, HOME: '/nonexistent-home', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };

/** A project whose .gitignore covers .env, holding `text`; KEY stored for the default profile. */
function project(text: string | Buffer, keychain: Record<string, string> = {}): TestContext {
  const t = makeTestContext({ env: GIT_ENV, keychain: { default: KEY, ...keychain } });
  execFileSync('git', ['init', '-q'], { cwd: t.cwd, env: GIT_ENV });
  writeFileSync(join(t.cwd, '.gitignore'), '.env\n');
  writeFileSync(join(t.cwd, '.env'), text, { mode: 0o600 });
  return t;
}

describe('env replacing another key in the file', () => {
  it('one stored nowhere: named by its hint, gone from the file, to revoke or keep; never in full', async () => {
    const t = project(`DEBUG=1\nOPENAI_API_KEY="${OTHER}"\n`);
    expect(await env(t.ctx, { force: false, gitignore: false })).toBe(0);
    expect(readFileSync(join(t.cwd, '.env'), 'utf8')).toBe(`DEBUG=1\nOPENAI_API_KEY="${KEY}"\n`);
    expect(t.stdout).toBe('✔ Updated OPENAI_API_KEY (sk-proj-…000A, profile "default") in .env; every other line is as it was.\n');
    expect(t.stderr).toContain(
      `! It replaced ${maskKey(OTHER)} in .env, a key openai-setup does not store: it is gone from the file. If you still need it, copy it back from where else you keep it; if not, revoke it on the API keys page: https://platform.openai.com/api-keys\n`,
    );
    expect(t.stdout + t.stderr).not.toContain(OTHER);
  });

  it("one another profile stores: named by its hint and that profile", async () => {
    const t = project(`OPENAI_API_KEY=${OTHER}\n`, { work: OTHER });
    await t.ctx.state.updateProfile('work', (p) => {
      p.key = { storage: 'keychain', hint: maskKey(OTHER), savedAt: '2026-03-01T00:00:00.000Z' };
    });
    expect(await env(t.ctx, { force: false, gitignore: false })).toBe(0);
    expect(t.stderr).toContain(`It replaced ${maskKey(OTHER)} in .env: the key profile "work" stores, still kept there.\n`);
    expect(t.stderr).not.toContain('does not store');
    expect(t.stdout + t.stderr).not.toContain(OTHER);
  });

  // Its record gone with a damaged progress file moved aside, or kept in another config dir (the
  // keychain is shared): the keychain's listing names it, as `key` and `profiles` find it.
  it('one another profile stores with no record of it here: named, never "does not store" nor to revoke', async () => {
    for (const movedAside of [true, false]) {
      const t = project(`OPENAI_API_KEY=${OTHER}\n`, { work: OTHER });
      Object.assign(t.keychain, { findAccounts: async () => t.keychain.accounts() });
      if (movedAside) mkdirSync(dirname(t.ctx.state.path), { recursive: true, mode: 0o700 });
      if (movedAside) writeFileSync(`${t.ctx.state.path}.bak-2026-03-01T00-00-00-000Z`, '{ damaged', { mode: 0o600 });
      expect(await env(t.ctx, { force: false, gitignore: false })).toBe(0);
      expect(t.stderr).toContain(`It replaced ${maskKey(OTHER)} in .env: the key profile "work" stores, still kept there.\n`);
      expect(t.stderr).not.toContain('does not store');
      expect(t.stderr).not.toContain('revoke');
      expect(t.keychain.keyOf('work')).toBe(OTHER);
    }
  });

  it('one this profile stored until `key` replaced it, that another profile stores now: that profile named, not revoking it', async () => {
    const t = project(`OPENAI_API_KEY=${OTHER}\n`, { work: OTHER });
    Object.assign(t.keychain, { findAccounts: async () => t.keychain.accounts() });
    await t.ctx.state.updateProfile('default', (p) => {
      p.replacedKeys = [{ keyHint: maskKey(OTHER), at: '2026-03-01T00:00:00.000Z', by: 'key', revoked: false }];
    });
    expect(await env(t.ctx, { force: false, gitignore: false })).toBe(0);
    expect(t.stderr).toContain(`It replaced ${maskKey(OTHER)} in .env: the key profile "work" stores, still kept there.\n`);
    expect(t.stderr).not.toContain('stored until');
    expect(t.stderr).not.toContain('revoke');
  });

  it('one the keychain could not be looked through for: the key written all the same, and revoking it not advised outright', async () => {
    const t = project(`OPENAI_API_KEY=${OTHER}\n`, { work: OTHER });
    Object.assign(t.keychain, {
      findAccounts: async () => {
        throw new Error('listing failed.');
      },
    });
    expect(await env(t.ctx, { force: false, gitignore: false })).toBe(0);
    expect(readFileSync(join(t.cwd, '.env'), 'utf8')).toBe(`OPENAI_API_KEY=${KEY}\n`);
    expect(t.stderr).toContain(`! It replaced ${maskKey(OTHER)} in .env: it is gone from the file, and whether another profile stores it could not be told (listing failed). Revoke it only once nothing uses it.\n`);
    expect(t.stderr).not.toContain('does not store');
  });

  it('one two other profiles store: both named, with a verb that agrees', async () => {
    const t = project(`OPENAI_API_KEY=${OTHER}\n`, { work: OTHER, home: OTHER });
    for (const name of ['work', 'home']) {
      await t.ctx.state.updateProfile(name, (p) => {
        p.key = { storage: 'keychain', hint: maskKey(OTHER), savedAt: '2026-03-01T00:00:00.000Z' };
      });
    }
    expect(await env(t.ctx, { force: false, gitignore: false })).toBe(0);
    expect(t.stderr).toContain(`It replaced ${maskKey(OTHER)} in .env: the key profiles "work" and "home" store, still kept there.\n`);
  });

  it('the same key, an empty value or a placeholder: nothing more said', async () => {
    for (const before of [`OPENAI_API_KEY=\nA=1\n`, `OPENAI_API_KEY='${KEY}' # mine\nOPENAI_API_KEY=\n`, 'OPENAI_API_KEY=your-openai-api-key-goes-here\n', 'OPENAI_API_KEY=sk-proj-your-api-key-goes-here\n', `OPENAI_API_KEY=sk-${'x'.repeat(48)}\n`]) {
      const t = project(before);
      expect(await env(t.ctx, { force: false, gitignore: false })).toBe(0);
      expect(t.stderr).not.toContain('It replaced');
    }
  });
});

describe('env updating a line and adding one', () => {
  it.each([
    ['a byte-order mark before the first line', '\uFEFFOPENAI_API_KEY=old\n', `\uFEFFOPENAI_API_KEY=${KEY}\nOPENAI_API_KEY=${KEY}\n`],
    ['OPENAI_API_KEY: old', 'OPENAI_API_KEY: old\n', `OPENAI_API_KEY: ${KEY}\nOPENAI_API_KEY=${KEY}\n`],
    ['export, a tab, OPENAI_API_KEY=old', 'export\tOPENAI_API_KEY=old\n', `export\tOPENAI_API_KEY=${KEY}\nOPENAI_API_KEY=${KEY}\n`],
  ])('%s: says that a line was added too', async (_what, before, after) => {
    const t = project(Buffer.from(before, 'utf8'));
    expect(await env(t.ctx, { force: false, gitignore: false })).toBe(0);
    expect(readFileSync(join(t.cwd, '.env'), 'utf8')).toBe(after);
    expect(t.stdout).toBe(
      '✔ Updated OPENAI_API_KEY (sk-proj-…000A, profile "default") in .env, and added it again as a line of its own at the end, for the programs that do not read the line there as OPENAI_API_KEY (a byte-order mark before it, a ":" for "=", a tab after "export"); every other line is as it was.\n',
    );
  });
});

describe('env and a file whose lines end in a lone CR (old Mac)', () => {
  it('refused, naming the line endings and a fix that works as printed; nothing written', async () => {
    const before = 'A=1\rOPENAI_API_KEY=old\rB=2\r';
    const t = project(before);
    const { code, message, hints } = await outcomeOf(env(t.ctx, { force: false, gitignore: false }));
    expect(code).toBe(2);
    expect(message).toBe(
      '.env has lines that end in a carriage return alone (CR, as old Mac files do), where programs that read .env files disagree on where a line ends. Nothing was written.',
    );
    expect(hints).toEqual(["Make them end in a line feed (LF), then run this command again:  perl -pi -e 's/\\r(?!\\n)/\\n/g' -- .env"]);
    expect(readFileSync(join(t.cwd, '.env'), 'utf8')).toBe(before);

    // The fix as printed, then env again.
    execFileSync('sh', ['-c', hints[0]!.split(':  ')[1]!], { cwd: t.cwd });
    expect(readFileSync(join(t.cwd, '.env'), 'utf8')).toBe('A=1\nOPENAI_API_KEY=old\nB=2\n');
    expect(await env(t.ctx, { force: false, gitignore: false })).toBe(0);
    expect(readFileSync(join(t.cwd, '.env'), 'utf8')).toBe(`A=1\nOPENAI_API_KEY=${KEY}\nB=2\n`);
  });
});
