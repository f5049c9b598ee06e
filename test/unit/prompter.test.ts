// The real prompter (inquirer) over a stand-in terminal: raw mode recorded, bytes written by the
// test. What the terminal itself does with raw mode (no echo, no SIGINT) is proven in a real
// pseudo-terminal by test/e2e/input.test.ts; here, the logic: what is typed while held, pastes
// with a line break inside, and Ctrl-C / Ctrl-D.
import { PassThrough, Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CancelledError } from '../../src/errors.js';
import { createTerminal } from '../../src/terminal/output.js';
import { closeOpenQuestions, inquirerPrompter, LineBreakInsideError, PASTE_SETTLE_MS, PasteTooLongError, type Prompter } from '../../src/terminal/prompter.js';
import { MAX_STDIN_BYTES } from '../../src/terminal/stdin.js';
import { makeKey } from '../helpers/openai-server.js';
import { turn, until } from '../helpers/until.js';

class FakeTerminalInput extends PassThrough {
  isTTY = true;
  isRaw = false;
  readonly modes: boolean[] = [];
  setRawMode(mode: boolean): this {
    this.isRaw = mode;
    this.modes.push(mode);
    return this;
  }
}

let input: FakeTerminalInput;
let screen: string;
let interrupts: number;

function prompter(options: { tty?: boolean; show?: (text: string) => string; ascii?: boolean } = {}): Prompter {
  input = new FakeTerminalInput();
  input.isTTY = options.tty ?? true;
  screen = '';
  interrupts = 0;
  const output = new Writable({
    write(chunk, _encoding, done) {
      screen += String(chunk);
      done();
    },
  });
  // Each prompt pipes into the output and ends its pipe; like process.stdout, this one stays open.
  output.end = () => output;
  return inquirerPrompter({ input, output, interrupt: () => interrupts++, show: options.show ?? ((text) => text), ascii: options.ascii });
}

/** Type `text` once the question is on the screen. */
async function typeWhenAsked(question: string, text: string): Promise<void> {
  const from = screen.length;
  await until(() => screen.slice(from).includes(question));
  input.write(text);
}

/** Everything written so far has been read (each write is a read of its own). */
const allRead = () => until(() => input.writableLength === 0 && input.readableLength === 0);

/**
 * The paste timings (PASTE_SETTLE_MS, the dropping of a paste's rest) on a clock that stands still
 * until the test moves it, so that no outcome depends on how fast the machine is. Immediates are
 * real: the prompt and the streams take turns of the event loop.
 */
const stillClock = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });

afterEach(() => {
  vi.useRealTimers();
  input?.destroy();
});

describe('holdInput', () => {
  it('turns echo off (raw mode) at once, and what is typed meanwhile goes to the next password question', async () => {
    const p = prompter();
    p.holdInput();
    expect(input.isRaw).toBe(true);
    input.write('sk-proj-typed-');
    input.write('early\r');
    await allRead();
    expect(await p.password('Key:')).toBe('sk-proj-typed-early');
    // The prompt leaves raw mode when it ends, as after any question.
    expect(input.isRaw).toBe(false);
  });

  it('a question that is not the password one leaves what was typed for the password question', async () => {
    const p = prompter();
    p.holdInput();
    input.write('sk-proj-typed-early');
    await allRead();
    const confirming = p.confirm('Sure?', false);
    void typeWhenAsked('Sure?', 'y\r');
    expect(await confirming).toBe(true);
    const asking = p.password('Key:');
    void typeWhenAsked('Key:', '\r');
    expect(await asking).toBe('sk-proj-typed-early');
  });

  it.each([
    ['Ctrl-C', '\x03'],
    ['Ctrl-D', '\x04'],
  ])('%s while held cancels at once, as the terminal would have, and gives the terminal back', async (_name, key) => {
    const p = prompter();
    p.holdInput();
    input.write(`sk-proj-${key}`);
    await allRead();
    expect(interrupts).toBe(1);
    expect(input.isRaw).toBe(false);
    // Nothing of it is kept for a question.
    const asking = p.password('Key:');
    void typeWhenAsked('Key:', 'sk-proj-later\r');
    expect(await asking).toBe('sk-proj-later');
  });

  it("'drop': echo off as well, but what is typed meanwhile is kept for no question (typed during a key's check)", async () => {
    const p = prompter();
    p.holdInput('drop');
    expect(input.isRaw).toBe(true);
    input.write('sk-proj-typed-during-the-check\r');
    await allRead();
    const choosing = p.select('What now?', [
      { name: 'Check again', value: 'recheck' },
      { name: 'Paste a different key', value: 'again' },
    ]);
    void typeWhenAsked('What now?', '\x1b[B\r');
    expect(await choosing).toBe('again');
    const asking = p.password('Key:');
    void typeWhenAsked('Key:', 'sk-proj-pasted-when-asked\r');
    expect(await asking).toBe('sk-proj-pasted-when-asked');
  });

  it("'drop' over a hold that kept: what was kept goes too", async () => {
    const p = prompter();
    p.holdInput();
    input.write('sk-proj-typed-early');
    await allRead();
    p.holdInput('drop');
    input.write('more\r');
    await allRead();
    const asking = p.password('Key:');
    void typeWhenAsked('Key:', 'sk-proj-pasted-when-asked\r');
    expect(await asking).toBe('sk-proj-pasted-when-asked');
  });

  it('is nothing without a terminal', () => {
    const p = prompter({ tty: false });
    p.holdInput();
    expect(input.modes).toEqual([]);
  });
});

describe('password: a paste with a line break inside', () => {
  it('in one read: the prompt ends with LineBreakInsideError, and the next question starts empty', async () => {
    const p = prompter();
    const asking = p.password('Key:', () => true);
    void typeWhenAsked('Key:', 'sk-proj-first-half\rsecond-half\r');
    await expect(asking).rejects.toBeInstanceOf(LineBreakInsideError);
    // The question closes as answered, its length said (no stars left on the screen: test/e2e/paste-screen.test.ts).
    expect(screen).toContain('(18 characters, hidden)');
    const again = p.password('Key:');
    void typeWhenAsked('Key:', 'sk-proj-whole\r');
    expect(await again).toBe('sk-proj-whole');
  });

  it('in two reads: the rest arriving while the answer settles ends it the same way; more of it is dropped', async () => {
    stillClock();
    const p = prompter();
    const validated: string[] = [];
    const asking = p.password('Key:', (value) => (validated.push(value), true));
    const outcome = asking.catch((error: unknown) => error);
    // The Enter of the first read starts the settling; the rest comes in a read of its own.
    await typeWhenAsked('Key:', 'sk-proj-first-half\r');
    await allRead();
    input.write('second-half\r');
    await allRead();
    await vi.advanceTimersByTimeAsync(PASTE_SETTLE_MS);
    // The prompt gave the terminal back, and the hold took it again to drop what still comes.
    await until(() => input.modes.join() === 'true,false,true');
    expect(screen).toContain('(18 characters, hidden)');
    // A third piece, after the prompt ended: dropped, not typed into the next question.
    input.write('third-piece\r');
    await allRead();
    await vi.runAllTimersAsync();
    expect(await outcome).toBeInstanceOf(LineBreakInsideError);
    // Nothing of it was validated (so nothing was taken), and the terminal is still raw: held.
    expect(validated).toEqual([]);
    expect(input.isRaw).toBe(true);
    const again = p.password('Key:');
    await typeWhenAsked('Key:', 'sk-proj-whole\r');
    await allRead();
    await vi.advanceTimersByTimeAsync(PASTE_SETTLE_MS);
    expect(await again).toBe('sk-proj-whole');
  });

  it('one line, then Enter, is an answer; so is typing again after a refused answer', async () => {
    const p = prompter();
    const asking = p.password('Key:', (value) => (value.length > 10 ? true : 'too short'));
    void typeWhenAsked('Key:', 'short\r');
    await until(() => screen.includes('too short'));
    for (let i = 0; i < 5; i++) input.write('\x7f');
    input.write('sk-proj-long-enough\r');
    expect(await asking).toBe('sk-proj-long-enough');
  });

  it('Ctrl-C and Ctrl-D at the prompt still cancel', async () => {
    const p = prompter();
    const first = p.password('Key:');
    void typeWhenAsked('Key:', '\x03');
    await expect(first).rejects.toBeInstanceOf(CancelledError);
    const second = p.password('Key?');
    void typeWhenAsked('Key?', 'sk\x04');
    await expect(second).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('password: blank lines before the key, in one paste', () => {
  const key = 'sk-proj-after-a-blank-line';
  it.each([
    ['a line break', `\n${key}\r`],
    ['blank lines with spaces, CRLF', `\r\n \r\n\t${key}\r`],
    ['a bracketed paste', `\x1b[200~\n${key}\x1b[201~\r`],
  ])('%s: around the key, as standard input takes them; the key is the answer', async (_how, paste) => {
    const p = prompter();
    const validated: string[] = [];
    const asking = p.password('Key:', (value) => (validated.push(value), true));
    void typeWhenAsked('Key:', paste);
    expect(await asking).toBe(key);
    expect(validated).toEqual([key]);
    expect(screen).toContain(`(${key.length} characters, hidden)`);
  });

  it('a line break after something typed is inside what was pasted: refused', async () => {
    const p = prompter();
    const asking = p.password('Key:', () => true);
    await typeWhenAsked('Key:', 'sk-proj-');
    await allRead();
    input.write('\nrest-of-it\r');
    await expect(asking).rejects.toBeInstanceOf(LineBreakInsideError);
  });
});

describe('password: a long paste', () => {
  it('is shown as its length, not as a row of stars: what is written stays small', async () => {
    const p = prompter();
    const long = `sk-proj-${'A'.repeat(3000)}`;
    const asking = p.password('Key:');
    void typeWhenAsked('Key:', `${long}\r`);
    expect(await asking).toBe(long);
    expect(stripVTControlCharacters(screen)).toContain(`Key: (${long.length} characters, hidden)`);
    expect(screen).not.toContain('**');
    // A redraw of the whole line at each of 3008 keypresses wrote megabytes; now a few redraws.
    expect(screen.length).toBeLessThan(5_000);
  });

  it(`a line past ${MAX_STDIN_BYTES} bytes in one read: refused at the bound with PasteTooLongError, the rest dropped, and the next question starts empty`, async () => {
    const p = prompter();
    const validated: string[] = [];
    const asking = p.password('Key:', (value) => (validated.push(value), true));
    void typeWhenAsked('Key:', `sk-proj-${'A'.repeat(20_000)}\rsk-proj-rest\r`);
    await expect(asking).rejects.toBeInstanceOf(PasteTooLongError);
    expect(validated).toEqual([]);
    expect(stripVTControlCharacters(screen)).toContain(`Key: (over ${MAX_STDIN_BYTES} bytes, hidden)`);
    expect(screen.length).toBeLessThan(5_000);
    const again = p.password('Key:');
    void typeWhenAsked('Key:', 'sk-proj-whole\r');
    expect(await again).toBe('sk-proj-whole');
  });

  it('Ctrl-C in what is dropped past the bound still cancels', async () => {
    const p = prompter();
    const asking = p.password('Key:', () => true);
    void typeWhenAsked('Key:', `sk-proj-${'A'.repeat(MAX_STDIN_BYTES)}\x03`);
    await expect(asking).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('closeOpenQuestions (SIGTERM, SIGHUP: main.ts)', () => {
  it('closes an open question as Ctrl-C does, raw mode off and the cursor shown, and its caller is never answered', async () => {
    stillClock();
    const p = prompter();
    let settled = false;
    void p.select('Which page?', [{ name: 'keys', value: 'keys' }, { name: 'usage', value: 'usage' }]).finally(() => (settled = true));
    await typeWhenAsked('Which page?', '');
    expect(input.isRaw).toBe(true);
    expect(screen).toContain('\x1b[?25l');
    await closeOpenQuestions();
    expect(input.isRaw).toBe(false);
    expect(screen.slice(screen.lastIndexOf('\x1b[?25l'))).toContain('\x1b[?25h');
    // Whatever the prompt still had to do is done: every timer it set has run, then a turn of the
    // event loop for what they queued. An answer or a rejection would have come by now; none came.
    await vi.runAllTimersAsync();
    await turn();
    expect(settled).toBe(false);
  });
});

describe('a confirm takes y, yes, n or no, or Enter alone for its default', () => {
  /** The screen since `from`, as a person sees it (colours and cursor moves left out). */
  const shownSince = (from: number) => stripVTControlCharacters(screen.slice(from));

  /**
   * Asks `question` (default `byDefault`), types `typed` and Enter, and waits for the line saying
   * that is no answer; checks that none came. Gives the question and where on the screen the Enter
   * began, for the test to go on.
   */
  async function refuse(question: string, byDefault: boolean, typed: string) {
    const confirming = prompter().confirm(question, byDefault);
    let answered = false;
    // A test may end the question with Ctrl-C: it awaits that rejection itself.
    void confirming.then(() => (answered = true), () => {});
    await typeWhenAsked(question, typed);
    await allRead();
    const from = screen.length;
    input.write('\r');
    await until(() => shownSince(from).includes('Answer y or n.'));
    await turn();
    expect(answered).toBe(false);
    return { confirming, from };
  }

  it('"maybe" and Enter is no answer: the question stays, a line under it says so, the text is kept; "n" then answers No', async () => {
    const { confirming, from } = await refuse('Rotate the key of profile "default"?', true, 'maybe');
    // Still the question, its (Y/n) and the text as typed, to be corrected.
    expect(shownSince(from)).toContain('? Rotate the key of profile "default"? (Y/n) maybe');
    // Typing again takes the line away.
    const erasing = screen.length;
    input.write('\x7f'.repeat('maybe'.length));
    await allRead();
    await until(() => shownSince(erasing).includes('(Y/n) '));
    input.write('n');
    await allRead();
    const answering = screen.length;
    input.write('\r');
    expect(await confirming).toBe(false);
    expect(shownSince(answering)).toContain('Rotate the key of profile "default"? No');
    expect(shownSince(answering)).not.toContain('Answer y or n.');
  });

  it('what was refused stays on the line, to be finished: "ye", Enter, then "s" and Enter is yes', async () => {
    const { confirming } = await refuse('Delete the old key?', false, 'ye');
    input.write('s');
    await allRead();
    input.write('\r');
    expect(await confirming).toBe(true);
  });

  it.each([
    ['t', true],
    ['t', false],
    // @inquirer/confirm took an answer starting with y or n as yes or no.
    ['nope', true],
    ['yoghurt', false],
    ['  ', true],
  ])('%j and Enter (default %s) is no answer', async (typed, byDefault) => {
    const { confirming } = await refuse('Open the limits page?', byDefault, typed);
    input.write('\x03');
    await expect(confirming).rejects.toBeInstanceOf(CancelledError);
  });

  it.each([
    [true, 'Yes'],
    [false, 'No'],
  ])('Enter alone takes the default (%s), shown as %s', async (byDefault, shown) => {
    const p = prompter();
    const confirming = p.confirm('Open the limits page?', byDefault);
    await typeWhenAsked(byDefault ? '(Y/n)' : '(y/N)', '\r');
    expect(await confirming).toBe(byDefault);
    expect(stripVTControlCharacters(screen)).toContain(`Open the limits page? ${shown}`);
    expect(stripVTControlCharacters(screen)).not.toContain('Answer y or n.');
  });

  it.each([
    ['y', false, true],
    ['YES', false, true],
    [' Yes ', false, true],
    ['n', true, false],
    ['No', true, false],
    ['  NO', true, false],
  ])('%j and Enter (default %s) answers %s', async (typed, byDefault, answer) => {
    const p = prompter();
    const confirming = p.confirm('Open the limits page?', byDefault);
    await typeWhenAsked('Open the limits page?', `${typed}\r`);
    expect(await confirming).toBe(answer);
    expect(stripVTControlCharacters(screen)).not.toContain('Answer y or n.');
  });
});

describe('a paste at a confirm or select question', () => {
  const key = makeKey('proj', 'unit-prompter-choice-paste');

  /** Pieces of the key that must never be on screen. */
  const expectKeyNotShown = () => {
    for (const piece of [key.slice(8, 40), key.slice(40, 80), key.slice(-24)]) expect(screen).not.toContain(piece);
  };

  it('at a confirm: never shown, never the answer; what is typed after it is', async () => {
    stillClock();
    const p = prompter();
    const confirming = p.confirm('Remove the key?', false);
    await typeWhenAsked('Remove the key?', key);
    await allRead();
    // The rest of the same paste, in a read of its own.
    input.write('-rest-of-it\r');
    await allRead();
    await vi.advanceTimersByTimeAsync(PASTE_SETTLE_MS);
    input.write('y');
    await allRead();
    input.write('\r');
    expect(await confirming).toBe(true);
    expectKeyNotShown();
  });

  it('at a select: its line break picks nothing; the choice is made with the keys after it', async () => {
    stillClock();
    const p = prompter();
    const choosing = p.select('Where to keep it?', [
      { name: 'In the keychain', value: 'keychain' },
      { name: 'In ~/.bashrc yourself', value: 'bashrc' },
    ]);
    await typeWhenAsked('Where to keep it?', `${key}\r`);
    await allRead();
    await vi.advanceTimersByTimeAsync(PASTE_SETTLE_MS);
    input.write('\x1b[B');
    await allRead();
    input.write('\r');
    expect(await choosing).toBe('bashrc');
    expectKeyNotShown();
  });

  it('at a confirm: Enter after a dropped paste does not answer with the default; Enter after y or n does', async () => {
    stillClock();
    const p = prompter();
    const confirming = p.confirm('Import them?', true);
    await typeWhenAsked('Import them?', `${key}\r`);
    await allRead();
    await vi.advanceTimersByTimeAsync(PASTE_SETTLE_MS);
    let answered = false;
    void confirming.then(() => (answered = true));
    // Enter alone, and after an arrow key (its bytes in two reads): neither is an answer.
    for (const read of ['\r', '\x1b', '[B', '\r']) {
      input.write(read);
      await allRead();
    }
    await turn();
    expect(answered).toBe(false);
    input.write('n');
    await allRead();
    input.write('\r');
    expect(await confirming).toBe(false);
    expectKeyNotShown();
  });

  it('at a select: Enter after a dropped paste does not take the highlighted choice, and the paste is said to be ignored; an arrow, then Enter, answers', async () => {
    stillClock();
    const p = prompter();
    const choosing = p.select('Where should the key go?', [
      { name: 'In the keychain', value: 'keychain' },
      { name: 'In ~/.bashrc yourself', value: 'bashrc' },
      { name: 'Stop', value: 'stop' },
    ]);
    await typeWhenAsked('Where should the key go?', key);
    await allRead();
    await vi.advanceTimersByTimeAsync(PASTE_SETTLE_MS);
    expect(stripVTControlCharacters(screen)).toContain('The paste was ignored: choose with ↑↓, then press Enter.');
    let answered = false;
    void choosing.then(() => (answered = true));
    // Enter alone, twice, and a left arrow (no choice moves): none is an answer.
    for (const read of ['\r', '\r', '\x1b[D', '\r']) {
      input.write(read);
      await allRead();
    }
    await turn();
    expect(answered).toBe(false);
    // An arrow down, its bytes in two reads, then up: Enter takes the choice then highlighted.
    for (const read of ['\x1b', '[B', '\x1b[B', '\x1b[A']) {
      input.write(read);
      await allRead();
    }
    input.write('\r');
    expect(await choosing).toBe('bashrc');
    expectKeyNotShown();
  });

  it('at a select: a paste and its Enter in one read, then Enter alone: still no answer; Enter after a key that moves is', async () => {
    stillClock();
    const p = prompter();
    const choosing = p.select('When you are done on that page:', [
      { name: 'Done, continue', value: 'done' },
      { name: 'Open the page again', value: 'again' },
    ]);
    await typeWhenAsked('When you are done on that page:', `${key}\r`);
    await allRead();
    await vi.advanceTimersByTimeAsync(PASTE_SETTLE_MS);
    let answered = false;
    void choosing.then(() => (answered = true));
    input.write('\r');
    await allRead();
    await turn();
    expect(answered).toBe(false);
    input.write('\x1b[B\r');
    expect(await choosing).toBe('again');
  });

  it('at a select: a space or punctuation after a dropped paste is no choice, and Enter after it still no answer', async () => {
    stillClock();
    const p = prompter();
    const choosing = p.select('When you are done on that page:', [
      { name: 'Done, continue', value: 'done' },
      { name: 'Open the page again', value: 'again' },
    ]);
    await typeWhenAsked('When you are done on that page:', key);
    await allRead();
    await vi.advanceTimersByTimeAsync(PASTE_SETTLE_MS);
    let answered = false;
    void choosing.then(() => (answered = true));
    for (const read of [' ', '\r', ' \r', '-\r']) {
      input.write(read);
      await allRead();
    }
    await turn();
    expect(answered).toBe(false);
    input.write('\x1b[B\r');
    expect(await choosing).toBe('again');
  });

  it('a key pasted without the terminal\'s marks, and a paste with them, are dropped', async () => {
    stillClock();
    const p = prompter();
    const confirming = p.confirm('Remove the key?', false);
    await typeWhenAsked('Remove the key?', `\x1b[200~${key.slice(0, 6)}\x1b[201~`);
    await allRead();
    await vi.advanceTimersByTimeAsync(PASTE_SETTLE_MS);
    input.write(key);
    await allRead();
    await vi.advanceTimersByTimeAsync(PASTE_SETTLE_MS);
    input.write('y');
    await allRead();
    input.write('\r');
    expect(await confirming).toBe(true);
    expect(key.length).toBe(164);
    expect(screen).not.toContain(key.slice(0, 6));
    expectKeyNotShown();
  });

  it('a paste whose opening mark comes split over two reads is still one: dropped, even when short', async () => {
    stillClock();
    const p = prompter();
    const confirming = p.confirm('Remove the key?', false);
    await typeWhenAsked('Remove the key?', '\x1b[2');
    await allRead();
    input.write('00~yes\x1b[201~');
    await allRead();
    await vi.advanceTimersByTimeAsync(PASTE_SETTLE_MS);
    input.write('n');
    await allRead();
    input.write('\r');
    expect(await confirming).toBe(false);
    expect(stripVTControlCharacters(screen)).not.toContain('yes');
  });

  it('Ctrl-C inside a paste still cancels', async () => {
    const p = prompter();
    const confirming = p.confirm('Remove the key?', false);
    void typeWhenAsked('Remove the key?', `${key}\x03`);
    await expect(confirming).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('what a question shows (show: the terminal\'s promptText, as main.ts passes it)', () => {
  it('the question, its choices, its check and its default reach the screen made safe; the answer is the value itself', async () => {
    const key = makeKey('proj', 'unit-prompter-shown');
    const admin = makeKey('admin', 'unit-prompter-shown');
    const term = createTerminal({ stdout: { write: () => true }, stderr: { write: () => true }, stdin: {}, env: {} });
    term.addSecret(key);
    const p = prompter({ show: term.promptText });
    // As the Admin API may name a key, and the progress file may hold text: a clipboard write, a
    // screen clear, a right-to-left override, a line break, the admin key, a piece of the stored key.
    const hostile = `laptop \x1b]52;c;QQ==\x07\x1b[2J\u202e\nforged ${admin} ${key.slice(20, 60)}`;
    const confirming = p.confirm(`Delete the old key "${hostile}"?`, false);
    void typeWhenAsked('Delete the old key', 'n\r');
    expect(await confirming).toBe(false);
    const selecting = p.select('Which?', [{ name: `keep ${hostile}`, value: hostile, description: `about ${hostile}` }]);
    void typeWhenAsked('Which?', '\r');
    expect(await selecting).toBe(hostile);
    const budget = p.input('Monthly budget:', { default: '20\x1b[2J', validate: (value) => (value === 'x' ? `must be an amount (got "${key}")` : true) });
    await typeWhenAsked('Monthly budget:', 'x\r');
    await until(() => screen.includes('must be an amount'));
    input.write('\x7f\r');
    // Enter on an empty answer takes the default: the value as the caller gave it, shown escaped.
    expect(await budget).toBe('20\x1b[2J');
    expect(screen).toContain('(20\\x1b[2J)');
    expect(screen).toContain(`(got "sk-proj-…${key.slice(-4)}")`);
    expect(screen).toContain(`laptop \\x1b]52;c;QQ==\\x07\\x1b[2J\\u202e forged sk-admin-…${admin.slice(-4)} …`);
    expect(screen).not.toContain('\x1b]52');
    expect(screen).not.toContain('\u202e');
    expect(screen).not.toContain('\x1b[2J');
    expect(screen).not.toContain(admin.slice(9, 30));
    expect(screen).not.toContain(key.slice(20, 32));
    expect(screen).not.toContain(key.slice(8, 30));
  });
});

describe('a terminal whose charset is not UTF-8 (the locale names another: the terminal\'s ascii, as main.ts passes it)', () => {
  it('every question is drawn in ASCII: its text, the answered mark, the pointer and the keys\' help', async () => {
    const term = createTerminal({ stdout: { write: () => true }, stderr: { write: () => true }, stdin: {}, env: { LANG: 'en_US.ISO-8859-1' } });
    expect(term.ascii).toBe(true);
    const p = prompter({ show: term.promptText, ascii: term.ascii });
    // The tool's own marks and a name from the API beyond ASCII.
    const confirming = p.confirm('Delete “café” — sk-proj-…Ab12?', false);
    void typeWhenAsked('Delete', 'y\r');
    expect(await confirming).toBe(true);
    const selecting = p.select('Which → one?', [
      { name: 'first · café', value: 1, description: 'about — it' },
      { name: 'second', value: 2 },
    ]);
    void typeWhenAsked('Which', '\x1b[B\r');
    expect(await selecting).toBe(2);
    const asking = p.password('Key…:', (value) => (value === 'x' ? 'not a key — try again' : true));
    await typeWhenAsked('Key...:', 'x\r');
    await until(() => screen.includes('not a key -- try again'));
    input.write('\x7fsk-proj-abc\r');
    expect(await asking).toBe('sk-proj-abc');
    const budget = p.input('Budget — monthly:', { default: '20' });
    void typeWhenAsked('Budget', '\r');
    expect(await budget).toBe('20');
    const shown = stripVTControlCharacters(screen);
    expect(shown).toContain('Delete "caf?" -- sk-proj-...Ab12?');
    expect(shown).toContain('> first - caf?');
    expect(shown).toContain('about -- it');
    expect(shown).toContain('up/down navigate - enter select');
    // Answered: v, not ✔.
    expect(shown).toContain('v Which -> one? second');
    expect(shown).toContain('v Key...: (11 characters, hidden)');
    expect(shown).toContain('v Budget -- monthly: 20');
    expect([...Buffer.from(screen)].filter((byte) => byte > 0x7f)).toEqual([]);
  });
});

describe('typing at a confirm or select question is not a paste', () => {
  it.each([
    ['ESC | [B', ['\x1b', '[B']],
    ['ESC[ | B', ['\x1b[', 'B']],
  ])('an arrow key whose bytes come in two reads (%s) moves to the next choice', async (_how, reads) => {
    stillClock();
    const p = prompter();
    const choosing = p.select('How do you want to pay?', [
      { name: 'Prepaid credits', value: 'prepaid' },
      { name: 'Monthly invoice', value: 'invoice' },
    ]);
    await typeWhenAsked('How do you want to pay?', reads[0]!);
    await allRead();
    input.write(reads[1]!);
    await allRead();
    input.write('\r');
    expect(await choosing).toBe('invoice');
  });

  it.each([
    ['no', true, false],
    ['yes', false, true],
  ])('"%s" typed in one read, then Enter at once, is the answer (default %s)', async (typed, byDefault, answer) => {
    stillClock();
    const p = prompter();
    const confirming = p.confirm('Import them?', byDefault);
    await typeWhenAsked('Import them?', typed);
    await allRead();
    input.write('\r');
    expect(await confirming).toBe(answer);
  });
});
