import { describe, expect, it } from 'vitest';
import { proxyFor, proxySettings } from '../../src/api/http.js';
import { likelyTier } from '../../src/api/verdict.js';
import { UsageError } from '../../src/errors.js';
import { createBrowser, headlessReason, splitCommand } from '../../src/terminal/browser.js';
import { colorLevel, createTerminal, wrap } from '../../src/terminal/output.js';
import { shellCaptureLine, shellExportLine, shellUnsetLine } from '../../src/terminal/shell.js';
import { isOfficialBaseURL, PAGES } from '../../src/platform.js';
import { shellDirs } from '../helpers/shell-dirs.js';

describe('browser decisions', () => {
  it('treats SSH, CI and a Linux box without a display as headless', () => {
    expect(headlessReason({ SSH_CONNECTION: '1 2 3 4' }, 'darwin')).toMatch(/SSH/);
    expect(headlessReason({ CI: 'true', DISPLAY: ':0' }, 'linux')).toMatch(/CI/);
    expect(headlessReason({}, 'linux')).toMatch(/no graphical display/);
    expect(headlessReason({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux')).toBeNull();
    expect(headlessReason({}, 'darwin')).toBeNull();
  });

  it('uses BROWSER even when headless, --no-browser wins over it, and skips otherwise with a reason', async () => {
    expect(createBrowser({ env: { BROWSER: 'true' }, platform: 'linux', noBrowser: false, terminal: false }).skipReason).toBeNull();
    const flagWins = createBrowser({ env: { BROWSER: 'true' }, platform: 'linux', noBrowser: true, terminal: false });
    expect(flagWins.skipReason).toBe('--no-browser was given');
    expect(await flagWins.open('https://x.test')).toBe('skipped');
    expect(await createBrowser({ env: { BROWSER: 'true' }, platform: 'linux', noBrowser: false, terminal: false }).open('https://x.test')).toBe('opened');
    expect(await createBrowser({ env: { BROWSER: 'false' }, platform: 'linux', noBrowser: false, terminal: false }).open('https://x.test')).toBe('failed');
    expect(await createBrowser({ env: { BROWSER: '/no/such/browser' }, platform: 'linux', noBrowser: false, terminal: false }).open('https://x.test')).toBe('failed');
    const none = createBrowser({ env: { DISPLAY: ':0' }, platform: 'linux', noBrowser: true, terminal: false });
    expect(none.skipReason).toBe('--no-browser was given');
    expect(await none.open('https://x.test')).toBe('skipped');
  });

  it('splits a BROWSER command like a shell would', () => {
    expect(splitCommand('firefox')).toEqual(['firefox']);
    expect(splitCommand('"/Applications/My Browser" --new-tab %s')).toEqual(['/Applications/My Browser', '--new-tab', '%s']);
    expect(splitCommand(" w3m  '' ")).toEqual(['w3m', '']);
  });
});

describe('platform URLs', () => {
  it('are the current /settings/organization pages, never the legacy /account ones', () => {
    for (const page of Object.values(PAGES)) {
      expect(page.url).toMatch(/^https:\/\/platform\.openai\.com\//);
      expect(page.url).not.toMatch(/\/account\//);
    }
    expect(PAGES.payment.url).toBe('https://platform.openai.com/settings/organization/billing/payment-methods');
    expect(PAGES.billing.url).toBe('https://platform.openai.com/settings/organization/billing/overview');
    expect(PAGES.limits.url).toBe('https://platform.openai.com/settings/organization/limits');
  });
});

describe('live check helpers', () => {
  it('maps x-ratelimit-limit-tokens to a likely tier (docs/openai-api-answers.md §3.4)', () => {
    expect(likelyTier('gpt-4o-mini', '200000')).toBe('1');
    expect(likelyTier('gpt-4o-mini', '150000000')).toBe('5');
    expect(likelyTier('gpt-4o-mini', '40000')).toBe('free');
    expect(likelyTier('gpt-5-mini', '500000')).toBe('1');
    expect(likelyTier('gpt-4o-mini', '123')).toBeNull();
    expect(likelyTier('some-model', '200000')).toBeNull();
  });

  it('reads proxy variables in either case, honours NO_PROXY and hides proxy credentials', () => {
    const proxy = (env: Record<string, string>, url: string) => proxyFor(proxySettings(env), url);
    expect(proxy({ HTTPS_PROXY: 'http://user:pw@proxy:3128' }, 'https://api.openai.com/v1')).toBe('http://proxy:3128');
    expect(proxy({ HTTPS_PROXY: 'http://us%40er:p@ss@proxy:3128' }, 'https://api.openai.com/v1')).toBe('http://proxy:3128');
    expect(proxy({ https_proxy: 'http://a:1', HTTPS_PROXY: 'http://b:2' }, 'https://api.openai.com/v1')).toBe('http://a:1');
    expect(proxy({ HTTPS_PROXY: 'http://p:1' }, 'http://127.0.0.1:9/v1')).toBeNull();
    expect(proxy({ HTTP_PROXY: 'http://p:1' }, 'http://127.0.0.1:9/v1')).toBe('http://p:1');
    expect(proxy({ HTTP_PROXY: 'http://p:1' }, 'https://api.openai.com/v1')).toBe('http://p:1');
    expect(proxy({ HTTPS_PROXY: 'http://p:1', NO_PROXY: 'openai.com' }, 'https://api.openai.com/v1')).toBeNull();
    expect(proxy({ HTTPS_PROXY: 'http://p:1', no_proxy: '.openai.com:443' }, 'https://api.openai.com/v1')).toBeNull();
    expect(proxy({ HTTPS_PROXY: 'http://p:1', NO_PROXY: 'example.com,localhost' }, 'https://api.openai.com/v1')).toBe('http://p:1');
    expect(proxy({ HTTP_PROXY: 'http://p:1', NO_PROXY: '*' }, 'http://127.0.0.1:9/v1')).toBeNull();
  });

  it('a proxy value that is not an http(s) URL is a usage error naming the variable, without its password', () => {
    expect(() => proxySettings({ HTTP_PROXY: 'user:secret@proxy:3128' })).toThrow(UsageError);
    expect(() => proxySettings({ HTTP_PROXY: 'user:secret@proxy:3128' })).toThrow(/^HTTP_PROXY is not an http/);
    expect(() => proxySettings({ https_proxy: 'socks5://p:1' })).toThrow(/^https_proxy/);
    try {
      proxySettings({ HTTPS_PROXY: 'user:secret@proxy:3128' });
    } catch (error) {
      expect((error as Error).message).not.toContain('secret');
    }
  });

  it('knows the official API', () => {
    expect(isOfficialBaseURL('https://api.openai.com/v1')).toBe(true);
    expect(isOfficialBaseURL('http://127.0.0.1:8080/v1')).toBe(false);
  });
});

describe('shell lines', () => {
  it('gives the line for the person\'s shell, with a placeholder unless the key is asked for', () => {
    expect(shellExportLine(shellDirs({ SHELL: '/bin/zsh' }, 'darwin'), null)).toEqual({
      shell: 'zsh',
      file: '~/.zshrc',
      line: "export OPENAI_API_KEY='<your key>'",
      reload: 'open a new terminal, or run `source ~/.zshrc` in this one',
    });
    expect(shellExportLine(shellDirs({ SHELL: '/usr/bin/fish' }, 'linux'), null).reload).toBe('open a new terminal, or run `source ~/.config/fish/config.fish` in this one');
    expect(shellExportLine(shellDirs({}, 'win32'), null).reload).toBe('open a new terminal, or run `. $PROFILE` in this one');
    expect(shellExportLine(shellDirs({ SHELL: '/usr/bin/fish' }, 'linux'), 'sk-x').line).toBe("set -gx OPENAI_API_KEY 'sk-x'");
    expect(shellExportLine(shellDirs({}, 'win32'), "a'b").line).toBe("$env:OPENAI_API_KEY = 'a''b'");
    expect(shellExportLine(shellDirs({ SHELL: '/bin/bash' }, 'linux'), "a'b").line).toBe("export OPENAI_API_KEY='a'\\''b'");
  });

  it('names the file the shell reads (ZDOTDIR, XDG_CONFIG_HOME), and csh/tcsh get their own syntax', () => {
    expect(shellExportLine(shellDirs({ SHELL: '/bin/zsh', HOME: '/home/u', ZDOTDIR: '/home/u/.zsh' }, 'linux'), null).reload).toBe('open a new terminal, or run `source ~/.zsh/.zshrc` in this one');
    expect(shellExportLine(shellDirs({ SHELL: '/usr/bin/fish', HOME: '/home/u', XDG_CONFIG_HOME: '/srv/u conf' }, 'linux'), null).reload).toBe("open a new terminal, or run `source '/srv/u conf/fish/config.fish'` in this one");
    expect(shellExportLine(shellDirs({ SHELL: '/bin/csh', HOME: '/nonexistent' }, 'linux'), null)).toEqual({
      shell: 'csh',
      file: '~/.cshrc',
      line: "setenv OPENAI_API_KEY '<your key>'",
      reload: 'open a new terminal, or run `source ~/.cshrc` in this one',
    });
    expect(shellUnsetLine({ SHELL: '/usr/bin/tcsh' }, 'linux', 'OPENAI_ORG_ID')).toBe('unsetenv OPENAI_ORG_ID');
  });

  it('PowerShell as the login shell on Linux and macOS gets its own lines and $PROFILE, not sh\'s and ~/.profile', () => {
    for (const [SHELL, platform] of [
      ['/usr/bin/pwsh', 'linux'],
      ['/opt/microsoft/powershell/7/pwsh', 'linux'],
      ['/usr/bin/pwsh-preview', 'linux'],
      ['/usr/local/bin/pwsh', 'darwin'],
      ['/usr/local/bin/powershell', 'darwin'],
      ['C:\\Program Files\\PowerShell\\7\\pwsh.exe', 'win32'],
    ] as const) {
      const env = { SHELL, HOME: '/home/u' };
      expect(shellExportLine(shellDirs(env, platform), "a'b"), SHELL).toEqual({
        shell: 'powershell',
        file: '$PROFILE',
        line: "$env:OPENAI_API_KEY = 'a''b'",
        reload: 'open a new terminal, or run `. $PROFILE` in this one',
      });
      expect(shellCaptureLine(env, platform, 'OPENAI_API_KEY', 'openai-setup token'), SHELL).toBe('$env:OPENAI_API_KEY = (openai-setup token)');
      expect(shellUnsetLine(env, platform, 'OPENAI_PROJECT_ID'), SHELL).toBe('Remove-Item Env:OPENAI_PROJECT_ID');
    }
    // Names that only start like it stay sh.
    expect(shellExportLine(shellDirs({ SHELL: '/usr/bin/pwshell' }, 'linux'), null).shell).toBe('sh');
  });
});

describe('terminal', () => {
  it('wraps paragraphs at spaces to the width, keeping long words (URLs) whole', () => {
    expect(wrap('one two three four', 9)).toEqual(['one two', 'three', 'four']);
    expect(wrap('see https://platform.openai.com/settings/organization/billing/overview now', 20, '  ')).toEqual([
      '  see',
      '  https://platform.openai.com/settings/organization/billing/overview',
      '  now',
    ]);
    let out = '';
    const narrow = createTerminal({ stdout: { write: (s: string) => (out += s), columns: 40 }, stderr: { write: () => true }, stdin: {}, env: {} });
    narrow.say('A ChatGPT Plus or Pro plan includes NO API credits: the API is paid separately.');
    expect(out.split('\n').every((line) => line.length <= 39)).toBe(true);
  });

  it('follows NO_COLOR, then FORCE_COLOR, then the TTY', () => {
    expect(colorLevel({ NO_COLOR: '1', FORCE_COLOR: '3' }, true)).toBe(0);
    expect(colorLevel({ FORCE_COLOR: '2' }, false)).toBe(2);
    expect(colorLevel({ FORCE_COLOR: '0' }, true)).toBe(0);
    expect(colorLevel({}, false)).toBe(0);
    expect(colorLevel({ TERM: 'dumb' }, true)).toBe(0);
    expect(colorLevel({ TERM: 'xterm' }, true)).toBe(1);
  });

  it('shows a spinner only when stderr is a terminal, and erases it when done', () => {
    const ticks: Array<() => void> = [];
    const fakeInterval = ((fn: () => void) => (ticks.push(fn), 1)) as unknown as typeof setInterval;
    const fakeClear = (() => undefined) as unknown as typeof clearInterval;
    let onTty = '';
    const tty = createTerminal({ stdout: { write: () => true }, stderr: { write: (s: string) => (onTty += s), isTTY: true }, stdin: {}, env: {}, setInterval: fakeInterval, clearInterval: fakeClear });
    const spinner = tty.spinner('Checking the key with a live call…');
    ticks[0]!();
    spinner.stop();
    expect(onTty).toContain('⠋ Checking the key with a live call…');
    expect(onTty).toContain('⠙ Checking the key');
    expect(onTty.endsWith('\r\x1b[2K')).toBe(true);
    let piped = '';
    const pipe = createTerminal({ stdout: { write: () => true }, stderr: { write: (s: string) => (piped += s) }, stdin: {}, env: {}, setInterval: fakeInterval, clearInterval: fakeClear });
    pipe.spinner('Checking').stop();
    expect(piped).toBe('');
  });

  it('masks registered secrets and key-shaped text on both streams; only writeSecret prints a key', () => {
    let out = '';
    let err = '';
    const term = createTerminal({ stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, stdin: {}, env: {} });
    const key = 'sk-proj-' + 'q'.repeat(60) + 'Zz99';
    term.addSecret('plain-secret-value');
    term.out(`key ${key} and plain-secret-value`);
    term.err(`error quoting ${key}`);
    expect(out).toBe('key sk-proj-…Zz99 and …ue\n');
    expect(err).toBe('error quoting sk-proj-…Zz99\n');
    term.writeSecret(`${key}\n`);
    expect(out.endsWith(`${key}\n`)).toBe(true);
    expect(term.interactive).toBe(false);
  });
});

describe('lines fit the terminal', () => {
  it('wraps at words, never mid-word, continuing under the text (after a mark or a label column)', async () => {
    const { fit } = await import('../../src/terminal/output.js');
    const key = '✔ Key         sk-proj-…Ab12 (project key, from the keychain (profile default)) and more words here';
    expect(fit(key, true, 60).split('\n')).toEqual(['✔ Key         sk-proj-…Ab12 (project key, from the keychain', '              (profile default)) and more words here']);
    const fix = '  Add credits on the billing page. If you already did, this key may belong to another organization.';
    for (const line of fit(fix, true, 40).split('\n')) {
      expect(line.length).toBeLessThanOrEqual(39);
      expect(line).toMatch(/^ {2}\S/);
    }
    // A URL longer than the line stays whole, on the line it starts.
    const url = `  → https://platform.openai.com/settings/organization/billing/overview/${'x'.repeat(60)}`;
    expect(fit(url, true, 60)).toBe(url);
    // The command after "text:  " is never cut: it moves whole to its own line, and one too long
    // for any line is left to the terminal's soft wrap (a line break would copy back as two commands).
    const pipe = '  As a last resort, keep the key in a file only you can read:  printenv OPENAI_API_KEY | openai-setup key --stdin';
    expect(fit(pipe, true, 80).split('\n')).toEqual([
      '  As a last resort, keep the key in a file only you can read:',
      '  printenv OPENAI_API_KEY | openai-setup key --stdin',
    ]);
    expect(fit(pipe, true, 40).split('\n')).toEqual([
      '  As a last resort, keep the key in a',
      '  file only you can read:',
      '  printenv OPENAI_API_KEY | openai-setup key --stdin',
    ]);
    expect(fit('Pipe it in:  printenv OPENAI_API_KEY | openai-setup key --stdin', true, 80)).toBe('Pipe it in:  printenv OPENAI_API_KEY | openai-setup key --stdin');
    // A line that is a command alone (a hint of the wizard without a terminal), the tool named as
    // it was started, is never broken: the terminal's soft wrap copies back as one line.
    for (const command of [
      '  printenv OPENAI_API_KEY | npx openai-setup key --profile fresh --stdin --base-url http://127.0.0.1:18777/v1',
      '  /home/me/openai-setup/bin/openai-setup.cjs billing --done --choice prepaid --profile fresh',
      '  node /home/me/openai-setup/bin/openai-setup.cjs login --done --profile fresh',
      '  openai-setup verify --profile fresh --base-url http://127.0.0.1:18777/v1 --timeout 20000',
    ]) {
      expect(fit(command, true, 50)).toBe(command);
    }
    // A sentence that merely starts with the name is prose, wrapped as such.
    expect(fit('openai-setup keeps no copy of the key of profile "default" (sk-proj-…Ab12): you keep it', true, 50).split('\n').length).toBeGreaterThan(1);
    // Off a terminal, and for text of several lines (a script, JSON), nothing changes.
    expect(fit(key, false, 60)).toBe(key);
    expect(fit(`{\n  "a": "${'b'.repeat(100)}"\n}`, true, 60)).toBe(`{\n  "a": "${'b'.repeat(100)}"\n}`);
  });
});

describe('paragraphs the tool says, wrapped', () => {
  it('a command in backticks is never broken across lines; under npx, a wrapped command does not get npx twice', async () => {
    const { createTerminal } = await import('../../src/terminal/output.js');
    const { adviceFor } = await import('../../src/terminal/invocation.js');
    // What the key command says after storing a key that cannot spend, at each width from 40 to 120.
    const text = 'The key is stored, but it cannot spend yet: fix billing (`npx openai-setup billing`), then `npx openai-setup verify`.';
    for (let columns = 40; columns <= 120; columns++) {
      let out = '';
      const stdout = { isTTY: true, columns, write: (chunk: string) => ((out += chunk), true) };
      const term = createTerminal({ stdout, stderr: stdout, stdin: { isTTY: true }, env: {}, advice: adviceFor('npx openai-setup', ['billing', 'verify']) });
      term.say(`! ${text}`);
      expect(out.replace(/\n/g, ' ').trim(), `${columns} columns`).toBe(`! ${text}`);
      expect(out, `${columns} columns`).toContain('`npx openai-setup billing`');
      expect(out, `${columns} columns`).toContain('`npx openai-setup verify`');
      for (const line of out.trimEnd().split('\n')) expect(line.length, `${columns} columns`).toBeLessThan(columns);
    }
  });

  it('a backtick inside a word (a path) is no command quote: the real command after it stays whole', async () => {
    const { fit } = await import('../../src/terminal/output.js');
    const text = '/home/me/it`s/.env holds the stored key: run `openai-setup verify --profile work` to check it';
    for (let width = 30; width <= 90; width++) {
      expect(wrap(text, width).join('\n'), `${width} columns`).toContain('`openai-setup verify --profile work`');
      expect(fit(text, true, width + 1), `${width} columns`).toContain('`openai-setup verify --profile work`');
    }
  });

  it('fit() keeps a command in backticks whole too', async () => {
    const { fit } = await import('../../src/terminal/output.js');
    const line = '! Never checked: run `openai-setup verify --profile work` to see whether the key works';
    for (let columns = 30; columns <= 90; columns++) expect(fit(line, true, columns), `${columns} columns`).toContain('`openai-setup verify --profile work`');
  });

  it('fit() keeps a command in backticks whole in the text before the command to type after "text:  "', async () => {
    const { fit } = await import('../../src/terminal/output.js');
    // What doctor says of an OPENAI_API_KEY set to another key (the command to type is moved whole to its own line).
    const line = '  → Unset it (programs then need `openai-setup run --profile default`), or store it:  openai-setup key --profile default';
    for (let columns = 30; columns <= 130; columns++) {
      const out = fit(line, true, columns);
      expect(out, `${columns} columns`).toContain('`openai-setup run --profile default`');
      // No line break inside backticks: every line opens as many as it closes.
      for (const part of out.split('\n')) expect(part.split('`').length % 2, `${columns} columns: ${part}`).toBe(1);
      expect(out.split('\n').at(-1), `${columns} columns`).toMatch(/openai-setup key --profile default$/);
    }
  });
});

describe('advice as the person can type it', () => {
  it('checkFlags repeats the live-check options given, one shell word each, a base URL as advice names it (no user, password, query, fragment or final slash)', async () => {
    const { checkFlags } = await import('../../src/terminal/advice.js');
    expect(checkFlags(undefined)).toBe('');
    expect(checkFlags({ billingCheck: true })).toBe('');
    expect(checkFlags({ baseURL: 'https://me:s3cret@llm.example.com/v1', model: 'gpt-4o', timeoutMs: 30000, billingCheck: false })).toBe(
      ' --base-url https://llm.example.com/v1 --model gpt-4o --timeout 30000 --no-billing-check',
    );
    expect(checkFlags({ baseURL: "http://token@127.0.0.1:8080/a(b)/v1/?team=a&b='c'#f" })).toBe(` --base-url 'http://127.0.0.1:8080/a(b)/v1'`);
  });

  it('under npx, every recommended command starts `npx openai-setup`; the name in a sentence or a path stays', async () => {
    const { adviceFor } = await import('../../src/terminal/invocation.js');
    const npx = adviceFor('npx openai-setup', ['key', 'verify', 'token', 'run', 'admin-key', 'rotate']);
    expect(npx('Create a new secret key and store it with `openai-setup key`.')).toBe('Create a new secret key and store it with `npx openai-setup key`.');
    expect(npx('OPENAI_API_KEY="$(openai-setup token)"; export OPENAI_API_KEY')).toBe('OPENAI_API_KEY="$(npx openai-setup token)"; export OPENAI_API_KEY');
    expect(npx('printenv OPENAI_API_KEY | openai-setup key --stdin')).toBe('printenv OPENAI_API_KEY | npx openai-setup key --stdin');
    expect(npx('Name it: openai-setup rotate --project proj_…')).toBe('Name it: npx openai-setup rotate --project proj_…');
    expect(npx('run `openai-setup` to continue')).toBe('run `npx openai-setup` to continue');
    expect(npx('openai-setup keeps no copy of the key')).toBe('openai-setup keeps no copy of the key');
    expect(npx('Another run of openai-setup held /x.lock')).toBe('Another run of openai-setup held /x.lock');
    expect(npx('~/.cache/openai-setup/compile-cache and service "openai-setup"')).toBe('~/.cache/openai-setup/compile-cache and service "openai-setup"');
    expect(npx('already `npx openai-setup verify`')).toBe('already `npx openai-setup verify`');
    expect(adviceFor('openai-setup', ['key'])('`openai-setup key`')).toBe('`openai-setup key`');
  });

  it('started by its path, every recommended command starts with that path, taken literally', async () => {
    const { adviceFor } = await import('../../src/terminal/invocation.js');
    // `$&` and `$1` are replacement patterns to String.replace: the path must come out as it is.
    const byPath = adviceFor("'/opt/a$&b $1/bin/openai-setup.cjs'", ['verify', 'key']);
    expect(byPath('run `openai-setup verify` again')).toBe("run `'/opt/a$&b $1/bin/openai-setup.cjs' verify` again");
    expect(byPath('printenv OPENAI_API_KEY | openai-setup key --stdin')).toBe("printenv OPENAI_API_KEY | '/opt/a$&b $1/bin/openai-setup.cjs' key --stdin");
    expect(byPath('openai-setup keeps no copy of the key')).toBe('openai-setup keeps no copy of the key');
  });
});
