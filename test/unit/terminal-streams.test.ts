// Each stream's colour decided by that stream, and a spinner that stays on one row however
// narrow the terminal.
import { describe, expect, it } from 'vitest';
import { asciiLocale } from '../../src/terminal/charset.js';
import { createTerminal, marks, type OutputStream } from '../../src/terminal/output.js';
import { jsonText } from '../../src/terminal/sanitize.js';
import { displayWidth } from '../../src/terminal/width.js';
import { screenOf } from '../helpers/screen.js';

const ESC = /\x1b\[/;

function capture(isTTY: boolean, columns?: number) {
  const stream = { text: '', isTTY, columns, write: (s: string) => ((stream.text += s), true) };
  return stream;
}

describe('colour, stream by stream', () => {
  const lines = (stdoutTTY: boolean, stderrTTY: boolean, env: Record<string, string> = {}) => {
    const out = capture(stdoutTTY);
    const err = capture(stderrTTY);
    const term = createTerminal({ stdout: out, stderr: err, stdin: {}, env });
    term.out(`${term.style.green('✔')} stored`);
    term.err(`${term.style.red('✖')} \`spend\` needs an organization admin key`);
    term.write('err', `${term.style.yellow('!')} warned\n`);
    term.say(term.style.dim('A paragraph.'));
    term.command(term.style.bold('openai-setup spend'));
    return { out: out.text, err: err.text };
  };

  it('stderr redirected while stdout is a terminal: stderr gets no colour codes, stdout keeps them', () => {
    const { out, err } = lines(true, false);
    expect(err).toBe('✖ `spend` needs an organization admin key\n! warned\n');
    expect(out).toContain('\x1b[32m✔\x1b[39m stored');
  });

  it('stdout piped while stderr is a terminal: stdout plain, stderr coloured', () => {
    const { out, err } = lines(false, true);
    expect(out).toBe('✔ stored\nA paragraph.\nopenai-setup spend\n');
    expect(err).toContain('\x1b[31m✖\x1b[39m `spend`');
  });

  it('the same NO_COLOR / FORCE_COLOR rule for both', () => {
    const none = lines(true, true, { NO_COLOR: '1' });
    expect(none.out + none.err).not.toMatch(ESC);
    const forced = lines(false, false, { FORCE_COLOR: '1' });
    expect(forced.out).toMatch(ESC);
    expect(forced.err).toMatch(ESC);
  });
});

describe('spinner on a narrow terminal', () => {
  const ticks: Array<() => void> = [];
  const fakeInterval = ((fn: () => void) => (ticks.push(fn), 1)) as unknown as typeof setInterval;
  const fakeClear = (() => undefined) as unknown as typeof clearInterval;

  /** The text of each frame drawn (what follows the last erase of the row). */
  const frames = (raw: string) => raw.split('\r\x1b[2K').filter((f) => f !== '' && f !== '\r');

  it('cuts its text to the width with an ellipsis, so that no frame wraps to a new row', () => {
    const err = capture(true, 60);
    const term = createTerminal({ stdout: capture(true), stderr: err, stdin: {}, env: {}, setInterval: fakeInterval, clearInterval: fakeClear });
    ticks.length = 0;
    const spinner = term.spinner("Checking the admin key (listing one project, reading today's costs)…");
    for (let i = 0; i < 5; i++) ticks[0]!();
    expect(frames(err.text)).toHaveLength(6);
    for (const frame of frames(err.text)) {
      expect(displayWidth(frame)).toBeLessThanOrEqual(59);
      expect(frame).toMatch(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Checking the admin key \(listing one project, reading tod…$/);
    }
    // As the terminal shows it: one row, not one per frame.
    expect(screenOf(err.text, 60).filter((row) => row !== '')).toHaveLength(1);
    spinner.stop();
    expect(screenOf(err.text, 60).join('')).toBe('');
  });

  it('measures wide characters as the terminal does (two columns an ideograph)', () => {
    const err = capture(true, 20);
    const term = createTerminal({ stdout: capture(true), stderr: err, stdin: {}, env: {}, setInterval: fakeInterval, clearInterval: fakeClear });
    term.spinner('Looking for the service account 東京東京東京東京東京東京').stop();
    const [frame] = frames(err.text);
    expect(displayWidth(frame!)).toBeLessThanOrEqual(19);
    expect(frame).toBe('⠋ Looking for the …');
    const wide = capture(true, 40);
    createTerminal({ stdout: capture(true), stderr: wide, stdin: {}, env: {}, setInterval: fakeInterval, clearInterval: fakeClear }).spinner('帳号 東京東京東京東京東京東京東京東京東京東京').stop();
    expect(frames(wide.text)[0]).toBe('⠋ 帳号 東京東京東京東京東京東京東京東…');
    expect(screenOf(wide.text, 40).filter((row) => row !== '')).toHaveLength(0);
  });

  it('redraws to the new width at once when the terminal is resized, and stops listening when done', () => {
    const listeners = new Set<() => void>();
    const err: OutputStream & { text: string } = {
      text: '',
      isTTY: true,
      columns: 80,
      write: (s: string) => ((err.text += s), true),
      on: (_event, listener) => listeners.add(listener),
      off: (_event, listener) => listeners.delete(listener),
    };
    const term = createTerminal({ stdout: capture(true), stderr: err, stdin: {}, env: {}, setInterval: fakeInterval, clearInterval: fakeClear });
    const text = 'Looking for the service account openai-setup-2026-05-01-a1b2c3d4e5f6 in proj_E2eRotate00000000000000…';
    const spinner = term.spinner(text);
    expect(frames(err.text)[0]!.length).toBe(79);
    err.columns = 30;
    for (const listener of listeners) listener();
    const last = frames(err.text).at(-1)!;
    expect(last).toMatch(/^⠙ Looking for the service ac…$/);
    expect(last.length).toBe(29);
    spinner.stop();
    expect(listeners.size).toBe(0);
  });
});

describe('a terminal whose charset is not UTF-8', () => {
  it('is decided by LC_ALL, else LC_CTYPE, else LANG, and only by an explicit charset other than UTF-8', () => {
    for (const locale of ['en_US.ISO-8859-1', 'de_DE.ISO8859-15@euro', 'ru_RU.KOI8-R', 'en_US.CP1252', 'ja_JP.eucJP']) expect(asciiLocale({ LANG: locale }), locale).toBe(true);
    for (const locale of [undefined, '', 'C', 'POSIX', 'C.UTF-8', 'en_US.utf8', 'en_US.UTF-8', 'en_US', 'sr_RS.UTF-8@latin']) expect(asciiLocale({ LANG: locale }), String(locale)).toBe(false);
    expect(asciiLocale({ LC_ALL: 'en_US.UTF-8', LC_CTYPE: 'en_US.ISO-8859-1', LANG: 'en_US.ISO-8859-1' })).toBe(false);
    expect(asciiLocale({ LC_ALL: '', LC_CTYPE: 'en_US.ISO-8859-1', LANG: 'en_US.UTF-8' })).toBe(true);
    expect(asciiLocale({ LANG: 'en_US.ISO-8859-1', LC_CTYPE: 'C.UTF-8' })).toBe(false);
  });

  const key = 'sk-proj-' + 'q'.repeat(60) + 'Zz99';
  const shown = (env: Record<string, string>) => {
    const out = capture(true, 80);
    const err = capture(true, 80);
    const term = createTerminal({ stdout: out, stderr: err, stdin: {}, env, setInterval: (() => 1) as unknown as typeof setInterval, clearInterval: () => {} });
    const m = marks(term.style);
    term.out(`${m.ok} Stored ${key} → keychain — done`);
    term.err(`${m.fail} \`spend\` needs an organization admin key (sk-admin-…). ${m.warn} Project “café”`);
    term.spinner('Checking the key with a live call…').stop();
    const question = term.promptText(`Replace the stored key ${key}?`);
    term.document(jsonText({ keyHint: 'sk-proj-…Zz99', name: 'café' }));
    return { out: out.text, err: err.text, question, term };
  };

  it('writes ASCII marks, ellipses (in masked hints too) and dashes; anything else beyond ASCII as ?; the --json document as it is', () => {
    const { out, err, question, term } = shown({ LANG: 'en_US.ISO-8859-1', NO_COLOR: '1' });
    expect(term.ascii).toBe(true);
    const [line, ...json] = out.split('\n');
    expect(line).toBe('v Stored sk-proj-...Zz99 -> keychain -- done');
    expect(JSON.parse(json.join('\n'))).toEqual({ keyHint: 'sk-proj-…Zz99', name: 'café' });
    expect(err).toContain('x `spend` needs an organization admin key (sk-admin-...). ! Project "caf?"\n');
    expect(err).toContain('| Checking the key with a live call...');
    expect(err + line).toMatch(/^[\x00-\x7f]*$/);
    expect(question).toBe('Replace the stored key sk-proj-...Zz99?');
  });

  it('keeps UTF-8 when the locale is unset, C or UTF-8', () => {
    for (const env of [{}, { LANG: 'C' }, { LC_ALL: 'C.UTF-8', LANG: 'en_US.ISO-8859-1' }] as Array<Record<string, string>>) {
      const { out, err, question, term } = shown({ ...env, NO_COLOR: '1' });
      expect(term.ascii).toBe(false);
      expect(out.split('\n')[0]).toBe('✔ Stored sk-proj-…Zz99 → keychain — done');
      expect(err).toContain('✖ `spend` needs an organization admin key (sk-admin-…). ! Project “café”\n');
      expect(err).toContain('⠋ Checking the key with a live call…');
      expect(question).toBe('Replace the stored key sk-proj-…Zz99?');
    }
  });
});
