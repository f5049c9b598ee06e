// The commands advice recommends, built in one place (terminal/advice.ts), started as the tool was
// and with --profile decided from the run (AdviceScope, profileFlagFor), and a hint that is such a
// command alone kept whole on a narrow terminal whatever the tool was started as.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adminFailure } from '../../src/api/admin-failure.js';
import { adminKeyCommand, adviceScope, elsewhereCommand, elsewhereScope, elsewhereThis, keyCommand, lastingBareProfile, notAKeyFix, pipeAdminKeyCommand, pipeKeyCommand, profileFlagFor, storeAdminKeyAdvice, storeKeyAdvice, toolCommand, verifyCommand } from '../../src/terminal/advice.js';
import { adviceFor } from '../../src/terminal/invocation.js';
import { createTerminal } from '../../src/terminal/output.js';
import { testKey } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';

const check = { baseURL: 'http://127.0.0.1:18777/v1', timeoutMs: 20000, billingCheck: false };

describe('profileFlagFor: --profile unless a command typed without it acts on that profile', () => {
  it('names the profile unless it is the run\'s bare profile; always when that is unknown', () => {
    expect(profileFlagFor({ bareProfile: 'default' }, 'work')).toBe(' --profile work');
    expect(profileFlagFor({ bareProfile: 'work' }, 'work')).toBe('');
    expect(profileFlagFor({}, 'default')).toBe(' --profile default');
    expect(profileFlagFor({ bareProfile: 'work' }, undefined)).toBe('');
  });

  it('adviceScope carries it and how the tool was started as data (an AdminAuth); lastingBareProfile drops it when OPENAI_SETUP_PROFILE set it only for this shell', () => {
    const run = { commandName: 'npx openai-setup', bareProfile: 'work', env: {} };
    expect(adviceScope(run)).toEqual({ commandName: 'npx openai-setup', bareProfile: 'work' });
    expect(adviceScope({ commandName: 'openai-setup' })).toEqual({ commandName: 'openai-setup' });
    expect(lastingBareProfile({ bareProfile: 'work', env: {} })).toBe('work');
    expect(lastingBareProfile({ bareProfile: 'work', env: { OPENAI_SETUP_PROFILE: 'work' } })).toBeUndefined();
  });
});

describe('commands for another shell or session (the desktop session where the keychain is)', () => {
  it('name --profile unless the profile would be chosen the same way there: a profile OPENAI_SETUP_PROFILE chose here is always named', () => {
    const byUse = { commandName: 'openai-setup', bareProfile: 'work', env: {} };
    const byVariable = { commandName: 'openai-setup', bareProfile: 'default', env: { OPENAI_SETUP_PROFILE: 'default' } };
    expect(elsewhereCommand(byUse, 'logout', 'work')).toBe('openai-setup logout');
    expect(elsewhereCommand(byUse, 'logout', 'default')).toBe('openai-setup logout --profile default');
    expect(elsewhereCommand(byVariable, 'logout --admin', 'default')).toBe('openai-setup logout --admin --profile default');
    expect(keyCommand(elsewhereScope(byVariable), 'default')).toBe('openai-setup key --profile default');
    // "this": the command as typed, which names --profile when that chose the profile.
    expect(elsewhereThis(byUse, 'default')).toBe('this');
    expect(elsewhereThis(byVariable, 'default')).toBe('this with --profile default');
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
    // Where it would ask (a terminal), `key`; with none, the key piped in, as it works there.
    const at = (stdinIsTTY: boolean) => ({ ...ctx, env: {}, rawEnv: {}, term: { whyNoPrompts: stdinIsTTY ? '' : 'no terminal', stdinIsTTY, stdoutIsTTY: stdinIsTTY } });
    expect(notAKeyFix(at(true), 'work')).toBe('Store your key again (it asks for the key, hidden) with `npx openai-setup key --profile work` (it replaces what is stored).');
    expect(notAKeyFix(at(false), 'work')).toBe('Store your key again (pipe the key in, in place of …) with `… | npx openai-setup key --profile work --stdin` (it replaces what is stored).');
    expect(verifyCommand(ctx, 'work', check, '--key -')).toBe('npx openai-setup verify --key - --profile work --base-url http://127.0.0.1:18777/v1 --timeout 20000 --no-billing-check');
  });

  it('a given --base-url is repeated as status and the record name it: no login, query, fragment or final slash; OpenAI\'s own kept', () => {
    const given = { baseURL: 'http://ada:s3cret@127.0.0.1:18777/v1/?token=t0k#frag' };
    expect(keyCommand(ctx, 'work', given)).toBe('npx openai-setup key --profile work --base-url http://127.0.0.1:18777/v1');
    expect(verifyCommand(ctx, 'work', given)).toBe('npx openai-setup verify --profile work --base-url http://127.0.0.1:18777/v1');
    // Given, OpenAI's own overrides an OPENAI_BASE_URL where the command runs: still named.
    expect(verifyCommand(ctx, 'work', { baseURL: 'https://api.openai.com/v1/' })).toBe('npx openai-setup verify --profile work --base-url https://api.openai.com/v1');
  });

  it('the admin key\'s, for api/ too (no Context there): started as the scope it is given says, which the terminal leaves as it is', () => {
    expect(adminKeyCommand(ctx, 'work', '--no-verify')).toBe('npx openai-setup admin-key --no-verify --profile work');
    expect(adminKeyCommand({ commandName: 'openai-setup', bareProfile: 'work' }, 'work')).toBe('openai-setup admin-key');
    expect(pipeAdminKeyCommand(ctx, 'default')).toBe('printenv OPENAI_ADMIN_KEY | npx openai-setup admin-key --stdin');
    expect(pipeAdminKeyCommand({ commandName: 'openai-setup' }, 'default', '--insecure-storage')).toBe('printenv OPENAI_ADMIN_KEY | openai-setup admin-key --stdin --insecure-storage --profile default');
    expect(adviceFor('npx openai-setup', ['admin-key'])(pipeAdminKeyCommand(ctx, 'default'))).toBe('printenv OPENAI_ADMIN_KEY | npx openai-setup admin-key --stdin');
    // An Admin API failure (api/, from an AdminAuth made by adviceScope): its fix is typed as this run was started, before any terminal rewrites it.
    const path = "node '/x y/bin/openai-setup.cjs'";
    const failure = adminFailure(
      { kind: 'http', status: 401, headers: null, body: { error: { message: 'Incorrect API key provided.' } }, requestId: null },
      { baseURL: 'https://api.openai.com/v1', key: 'sk-admin-x', timeoutMs: 20_000, proxy: null, action: 'listing the projects', profile: 'work', ...adviceScope({ commandName: path, bareProfile: 'default' }) },
    );
    expect(failure.hints[0]).toBe(`Create a new admin key on the admin keys page and store it:  ${path} admin-key --profile work`);
  });
});

describe('headings are no advice', () => {
  // A heading names the command that is running; under npx, piped or with NO_COLOR (no bold codes
  // between the words) it became "/tmp/…/node_modules/.bin/openai-setup status · profile default".
  it.each(['openai-setup status · profile default', 'openai-setup spend · December · profile work', 'openai-setup doctor · profile default'])('"%s" stays as it is', (heading) => {
    expect(adviceFor("'/tmp/x y/node_modules/.bin/openai-setup'", ['status', 'spend', 'doctor'])(heading)).toBe(heading);
  });

  it('a command in a sentence is still rewritten', () => {
    expect(adviceFor('npx openai-setup', ['status'])('run `openai-setup status` to see it')).toBe('run `npx openai-setup status` to see it');
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
      '  openai-setup billing --choice prepaid --done --profile fresh',
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

  /** A file's code without its comment lines. */
  const code = (file: string) => readFileSync(file, 'utf8').split('\n').filter((line) => !/^\s*(?:\*|\/\/|\/\*\*)/.test(line)).join('\n');

  it('ctx.bareProfile is set by resolveProfileName and read only through advice.ts', () => {
    for (const file of files(src)) {
      const reads = code(file).match(/\bctx\.bareProfile\b(?! =[^=])/g) ?? [];
      expect(reads, relative(src, file)).toEqual(relative(src, file) === join('terminal', 'advice.ts') ? reads : []);
    }
  });

  it('no command line starts with the tool\'s name outside terminal/: commands and stages build them with advice.ts', () => {
    for (const file of files(src).filter((f) => !relative(src, f).startsWith(`terminal${sep}`))) {
      const lines = code(file).split('\n').filter((line) => /\$\{(?:ctx\.)?commandName\}|\$\{self\.command\}|\bprofileFlag\(/.test(line));
      expect(lines, relative(src, file)).toEqual([]);
    }
  });

  it('api/ takes from terminal/ only advice.ts (command lines) and what makes text safe to show', () => {
    // sanitize.ts: untrusted text made safe; output.ts: the check's marks (✔ ✖), which api/check.ts prints;
    // shell.ts: the NO_PROXY line of api/check.ts's warning, in the person's shell.
    const allowed = ['advice.js', 'sanitize.js', 'output.js', 'shell.js'];
    for (const file of files(join(src, 'api'))) {
      const imported = [...readFileSync(file, 'utf8').matchAll(/from '\.\.\/terminal\/([^']+)'/g)].map((m) => m[1]);
      expect(imported.filter((name) => !allowed.includes(name!)), relative(src, file)).toEqual([]);
    }
  });
});

describe('storeKeyAdvice: how `key` gets the key, as it is where the advice is read', () => {
  const stream = (isTTY: boolean) => ({ isTTY, columns: 80, write: () => true });
  const scopeOn = (env: Record<string, string>, tty = true, stdoutTTY = tty, stdinTTY = tty) => ({
    commandName: 'openai-setup',
    env: { OPENAI_API_KEY: env.OPENAI_API_KEY },
    rawEnv: env,
    term: createTerminal({ stdout: stream(stdoutTTY), stderr: stream(tty), stdin: { isTTY: stdinTTY }, env }),
  });
  const PIPE = ' (pipe the key in, in place of …)';

  it('at a terminal: `key` asks for it', () => {
    expect(storeKeyAdvice(scopeOn({}), 'default')).toEqual({ command: 'openai-setup key --profile default', how: ' (it asks for the key, hidden)' });
  });

  // There `key` would not ask: the advice must not promise a question.
  it('at a terminal where OPENAI_SETUP_NO_PROMPT turned questions off: says what makes it ask, or --stdin', () => {
    expect(storeKeyAdvice(scopeOn({ OPENAI_SETUP_NO_PROMPT: '1' }), 'default').how).toBe(' (it asks for the key, hidden, once OPENAI_SETUP_NO_PROMPT is unset; or pipe the key into it with --stdin)');
    expect(storeKeyAdvice(scopeOn({ OPENAI_SETUP_NO_PROMPT: '1' }, true, false), 'default').how).toBe(' (it asks for the key, hidden, once OPENAI_SETUP_NO_PROMPT is unset; or pipe the key into it with --stdin)');
  });

  // A script, CI: `key` asking would fail there too, naming itself again. The pipe, its source a
  // placeholder (OPENAI_API_KEY is not set: a pipe of it gives nothing).
  it('without a terminal: the pipe, never a command that asks', () => {
    expect(storeKeyAdvice(scopeOn({}, false), 'default', true, check)).toEqual({ command: '… | openai-setup key --profile default --stdin --insecure-storage --base-url http://127.0.0.1:18777/v1 --timeout 20000', how: PIPE });
    expect(storeKeyAdvice(scopeOn({ OPENAI_SETUP_NO_PROMPT: '1' }, false), 'default')).toEqual({ command: '… | openai-setup key --profile default --stdin', how: PIPE });
  });

  // `doctor | cat`, `printenv … | key --stdin` at a terminal: `key` typed by itself asks there.
  it('at a terminal with the output piped, or the input: at a terminal it asks, or --stdin', () => {
    const how = ' (at a terminal it asks for the key, hidden; or pipe the key into it with --stdin)';
    expect(storeKeyAdvice(scopeOn({}, true, false), 'default').how).toBe(how);
    expect(storeKeyAdvice(scopeOn({}, true, true, false), 'default').how).toBe(how);
  });

  it('OPENAI_API_KEY set: a pipe of it, terminal or not; unless it is the key that just failed its check', () => {
    const KEY = testKey('S');
    for (const tty of [true, false]) expect(storeKeyAdvice(scopeOn({ OPENAI_API_KEY: KEY }, tty), 'default')).toEqual({ command: 'printenv OPENAI_API_KEY | openai-setup key --profile default --stdin', how: '' });
    expect(storeKeyAdvice(scopeOn({ OPENAI_API_KEY: KEY }, false), 'default', false, undefined, { variableFailed: true })).toEqual({ command: '… | openai-setup key --profile default --stdin', how: PIPE });
    expect(storeKeyAdvice(scopeOn({ OPENAI_API_KEY: KEY }), 'default', false, undefined, { variableFailed: true }).command).toBe('openai-setup key --profile default');
  });

  // The run's own command again: the variable may hold another key, or none.
  it('the key came on standard input: piped in again the same way, whatever the variable or the terminal', () => {
    for (const env of [{}, { OPENAI_API_KEY: testKey('S') }] as Array<Record<string, string>>) {
      for (const tty of [true, false]) {
        expect(storeKeyAdvice(scopeOn(env, tty), 'default', true, undefined, { piped: true })).toEqual({
          command: '… | openai-setup key --profile default --stdin --insecure-storage',
          how: ' (pipe the key in again, as you did, in place of …)',
        });
      }
    }
  });

  it('the admin key: the same rule, with OPENAI_ADMIN_KEY and admin-key', () => {
    expect(storeAdminKeyAdvice(scopeOn({}, false), 'work', '--insecure-storage')).toEqual({ command: '… | openai-setup admin-key --stdin --insecure-storage --profile work', how: PIPE });
    expect(storeAdminKeyAdvice(scopeOn({ OPENAI_ADMIN_KEY: makeKey('admin', 'advice-admin') }, false), 'work').command).toBe('printenv OPENAI_ADMIN_KEY | openai-setup admin-key --stdin --profile work');
    expect(storeAdminKeyAdvice(scopeOn({}), 'work', '--insecure-storage')).toEqual({ command: 'openai-setup admin-key --insecure-storage --profile work', how: ' (it asks for the key, hidden)' });
  });
});
