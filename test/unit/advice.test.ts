// The commands advice recommends, built in one place (terminal/advice.ts) with --profile decided
// from the run (profileFlagFor), and a hint that is such a command alone kept whole on a narrow
// terminal whatever the tool was started as.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adminKeyCommand, keyCommand, notAKeyFix, pipeAdminKeyCommand, pipeKeyCommand, toolCommand, verifyCommand } from '../../src/terminal/advice.js';
import { adviceFor, adviceScope, lastingBareProfile, profileFlagFor } from '../../src/terminal/invocation.js';
import { createTerminal } from '../../src/terminal/output.js';

const check = { baseURL: 'http://127.0.0.1:18777/v1', timeoutMs: 20000, billingCheck: false };

describe('profileFlagFor: --profile unless a command typed without it acts on that profile', () => {
  it('names the profile unless it is the run\'s bare profile; always when that is unknown', () => {
    expect(profileFlagFor({ bareProfile: 'default' }, 'work')).toBe(' --profile work');
    expect(profileFlagFor({ bareProfile: 'work' }, 'work')).toBe('');
    expect(profileFlagFor({}, 'default')).toBe(' --profile default');
    expect(profileFlagFor({ bareProfile: 'work' }, undefined)).toBe('');
  });

  it('adviceScope carries it as data (an AdminAuth); lastingBareProfile drops it when OPENAI_SETUP_PROFILE set it only for this shell', () => {
    expect(adviceScope({ bareProfile: 'work' })).toEqual({ bareProfile: 'work' });
    expect(adviceScope({})).toEqual({});
    expect(lastingBareProfile({ bareProfile: 'work', env: {} })).toBe('work');
    expect(lastingBareProfile({ bareProfile: 'work', env: { OPENAI_SETUP_PROFILE: 'work' } })).toBeUndefined();
  });
});

describe('the command lines of advice', () => {
  const ctx = { commandName: 'npx openai-setup', bareProfile: 'default' };

  it('start as the tool was started, name --profile for another profile, and repeat the live-check options', () => {
    expect(toolCommand(ctx, 'use NAME')).toBe('npx openai-setup use NAME');
    expect(toolCommand(ctx, '', 'work')).toBe('npx openai-setup --profile work');
    expect(keyCommand(ctx, 'default')).toBe('npx openai-setup key');
    // `key` always checks billing: it takes no --no-billing-check.
    expect(keyCommand(ctx, 'work', check)).toBe("npx openai-setup key --profile work --base-url http://127.0.0.1:18777/v1 --timeout 20000");
    expect(verifyCommand(ctx, 'work', check)).toBe("npx openai-setup verify --profile work --base-url http://127.0.0.1:18777/v1 --timeout 20000 --no-billing-check");
    expect(pipeKeyCommand(ctx, 'work', true)).toBe('printenv OPENAI_API_KEY | npx openai-setup key --profile work --stdin --insecure-storage');
    expect(notAKeyFix(ctx, 'work')).toBe('Remove it with `npx openai-setup logout --profile work`, then store your key with `npx openai-setup key --profile work`.');
  });

  it('the admin key\'s, for api/ too (no Context there): named `openai-setup`, which the terminal writes as the tool was started', () => {
    expect(adminKeyCommand(ctx, 'work', '--no-verify')).toBe('openai-setup admin-key --no-verify --profile work');
    expect(adminKeyCommand({ bareProfile: 'work' }, 'work')).toBe('openai-setup admin-key');
    expect(pipeAdminKeyCommand(ctx, 'default')).toBe('printenv OPENAI_ADMIN_KEY | openai-setup admin-key --stdin');
    expect(pipeAdminKeyCommand({}, 'default', '--insecure-storage')).toBe('printenv OPENAI_ADMIN_KEY | openai-setup admin-key --stdin --insecure-storage --profile default');
    expect(adviceFor('npx openai-setup', ['admin-key'])(pipeAdminKeyCommand(ctx, 'default'))).toBe('printenv OPENAI_ADMIN_KEY | npx openai-setup admin-key --stdin');
  });
});

describe('a hint that is a command alone, on a narrow terminal', () => {
  /** What a terminal of `columns` shows for a hint line, the tool started as `commandName` (as main.ts makes it). */
  function shown(commandName: string, hint: string, columns: number): string {
    let out = '';
    const stream = { isTTY: true, columns, write: (chunk: string) => ((out += chunk), true) };
    const term = createTerminal({ stdout: stream, stderr: stream, stdin: { isTTY: true }, env: { NO_COLOR: '1' }, advice: adviceFor(commandName, ['key', 'billing', 'login']), commandName });
    term.err(`  ${hint}`);
    return out;
  }

  it.each([
    // A project's local install run by npx there, in a folder with a space: its script by path, quoted.
    "'/tmp/my dir/node_modules/.bin/openai-setup'",
    // A clone npx linked, its script not executable: node and the script.
    "node '/x y/bin/openai-setup.cjs'",
    'npx openai-setup',
    'openai-setup',
  ])('started as %s: never broken across lines (pasted, half of it would run)', (commandName) => {
    for (const hint of [
      'printenv OPENAI_API_KEY | openai-setup key --profile fresh --stdin --base-url http://127.0.0.1:18777/v1',
      'openai-setup billing --choice prepaid --done --profile fresh   (or auto-reload; after buying credits on the billing page)',
    ]) {
      const typed = adviceFor(commandName, ['key', 'billing'])(hint);
      for (const columns of [40, 50, 60]) expect(shown(commandName, hint, columns), `${columns} columns`).toBe(`  ${typed}\n`);
    }
  });

  it('a sentence that starts with the tool\'s name is still wrapped as prose', () => {
    const text = shown("'/tmp/my dir/openai-setup'", "'/tmp/my dir/openai-setup' keeps no copy of the key of profile default: you keep it in OPENAI_API_KEY", 50);
    expect(text.trimEnd().split('\n').length).toBeGreaterThan(1);
  });
});

describe('where advice is built', () => {
  const src = join(__dirname, '../../src');
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));

  it('storage/ builds no command line and imports no command: those come from terminal/advice.ts', () => {
    for (const file of files(join(src, 'storage'))) {
      const text = readFileSync(file, 'utf8');
      expect(text, relative(src, file)).not.toMatch(/commandName|printenv|profileFlag|from '\.\.\/commands\//);
    }
  });

  it('ctx.bareProfile is set by resolveProfileName and read only through invocation.ts', () => {
    for (const file of files(src)) {
      const code = readFileSync(file, 'utf8').split('\n').filter((line) => !/^\s*(?:\*|\/\/|\/\*\*)/.test(line)).join('\n');
      const reads = code.match(/\bctx\.bareProfile\b(?! =[^=])/g) ?? [];
      expect(reads, relative(src, file)).toEqual(relative(src, file) === join('terminal', 'invocation.ts') ? reads : []);
    }
  });
});
