// BROWSER naming a console browser (lynx, w3m…) runs it in the foreground on the terminal and
// waits for it, as Python's webbrowser does; without a terminal it is not started, and the URL is
// left to the person. A GUI browser's launch is not waited for (small-parts.test.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run as open } from '../../src/commands/open.js';
import { PAGES } from '../../src/platform.js';
import { WITNESS_WAIT_MS, type ForwardedSignal, type SignalWitness } from '../../src/pass-signals.js';
import { consoleBrowser, createBrowser, type ForegroundHost } from '../../src/terminal/browser.js';
import { makeTestContext, type TestContext } from '../helpers/context.js';
import { turn } from '../helpers/until.js';

const URL = PAGES.keys.url;

let dir: string;
let t: TestContext | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'openai-setup-browser-'));
});
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** A fake `lynx`: says what it was given, leaves a mark that it ran, then does `then` (a shell line). */
function fakeLynx(then = 'exit 0'): string {
  const path = join(dir, 'lynx');
  writeFileSync(path, `#!/bin/sh\necho "lynx shows $1"\n: > "${join(dir, 'ran')}"\n${then}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** A witness (pass-signals.ts) that answers `verdict`: 'no' (the signal came to our PID alone) unless a test says. */
class FakeWitness implements SignalWitness {
  stopped = false;
  asked: number[] = [];
  constructor(
    readonly signal: ForwardedSignal,
    private readonly host: { verdict: 'yes' | 'no' | 'unknown' },
  ) {}
  async reached(ms: number) {
    this.asked.push(ms);
    return this.host.verdict;
  }
  stop(): void {
    this.stopped = true;
  }
}

/** The process as a console browser sees it, with its output caught and every step recorded. */
class RecordingForeground implements ForegroundHost {
  readonly steps: string[] = [];
  readonly witnesses: FakeWitness[] = [];
  /** What each witness answers when a signal comes: 'yes' when it was sent to our whole process group. */
  verdict: 'yes' | 'no' | 'unknown' = 'no';
  output = '';
  child: ChildProcess | undefined;
  /** A Ctrl-C came while the browser ran (it reached the browser too). */
  ctrlC = false;
  private onCancel: () => void = () => {};
  readonly cancelled = new Promise<void>((resolve) => (this.onCancel = resolve));

  inTerminalForeground(): boolean {
    return true;
  }

  startWitness(signal: ForwardedSignal): SignalWitness {
    this.steps.push(`witness ${signal}`);
    const witness = new FakeWitness(signal, this);
    this.witnesses.push(witness);
    return witness;
  }

  handOver(pass: (signal: 'SIGTERM' | 'SIGHUP') => Promise<void>) {
    this.steps.push('hand over');
    this.pass = pass;
    return {
      interrupted: () => this.ctrlC,
      release: () => this.steps.push(`release (browser ${this.child && this.child.exitCode === null && this.child.signalCode === null ? 'running' : 'ended'})`),
    };
  }

  pass: ((signal: 'SIGTERM' | 'SIGHUP') => Promise<void>) | undefined;
  /** Settles once the browser's process has closed: after that, nothing (an error, an exit) comes from it. */
  closed: Promise<void> = Promise.resolve();

  spawn(file: string, args: string[]): ChildProcess {
    this.steps.push(`spawn ${file} ${args.join(' ')}`);
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    this.child = child;
    this.closed = new Promise((resolve) => child.once('close', () => resolve()));
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    return child;
  }

  cancel(): void {
    this.steps.push('cancel');
    this.onCancel();
  }
}

function contextWith(browser: string, terminal: boolean, foreground: ForegroundHost): TestContext {
  t = makeTestContext({ env: { BROWSER: browser } });
  t.ctx.browser = createBrowser({ env: { BROWSER: browser }, platform: 'linux', noBrowser: false, terminal, foreground });
  return t;
}

describe('a console browser in BROWSER', () => {
  it('on a terminal: runs in the foreground with the URL, and the run goes on once it has ended', async () => {
    const host = new RecordingForeground();
    const lynx = fakeLynx();
    contextWith(lynx, true, host);
    expect(await open(t!.ctx, { page: 'keys' })).toBe(0);
    expect(host.steps).toEqual(['witness SIGTERM', 'witness SIGHUP', 'hand over', `spawn ${lynx} ${URL}`, 'release (browser ended)']);
    expect(host.witnesses.every((w) => w.stopped)).toBe(true);
    const out = host.child!.stdout!;
    if (!out.closed) await new Promise((resolve) => out.once('close', resolve));
    expect(host.output).toBe(`lynx shows ${URL}\n`);
    expect(t!.stdout).toBe(`  → API keys:\n    ${URL}\n    Opened in your browser.\n`);
  });

  it('%s in BROWSER places the URL; a browser that fails says so', async () => {
    const host = new RecordingForeground();
    const lynx = fakeLynx('exit 3');
    contextWith(`${lynx} -dump %s`, true, host);
    expect(await open(t!.ctx, { page: 'keys' })).toBe(0);
    expect(host.steps[3]).toBe(`spawn ${lynx} -dump ${URL}`);
    expect(t!.stdout).toContain('    Could not open a browser: open the link above yourself.\n');
  });

  it('not installed: the terminal is handed back once, and the link is left to the person', async () => {
    const host = new RecordingForeground();
    contextWith(join(dir, 'nowhere', 'lynx'), true, host);
    expect(await open(t!.ctx, { page: 'keys' })).toBe(0);
    // Both an error and an exit may come: still one release, once both could have.
    await host.closed;
    expect(host.steps.filter((step) => step.startsWith('release'))).toHaveLength(1);
    expect(t!.stdout).toContain('    Could not open a browser: open the link above yourself.\n');
  });

  it.each([
    ['dies of it', 'kill -INT $$', false],
    ['quits on it', 'exit 1', true],
  ])('Ctrl-C while lynx runs (it %s): once it has ended, the run is cancelled (exit 130 in main.ts), nothing more said', async (_how, then, ctrlC) => {
    const host = new RecordingForeground();
    host.ctrlC = ctrlC;
    contextWith(fakeLynx(then), true, host);
    const opening = open(t!.ctx, { page: 'keys' });
    await host.cancelled;
    expect(host.steps.slice(4)).toEqual(['release (browser ended)', 'cancel']);
    // Nothing more can come from lynx once it has closed; what its end set off has run a turn later.
    await host.closed;
    const settled = await Promise.race([opening.then(() => 'settled'), turn().then(() => 'pending')]);
    expect(settled).toBe('pending');
    expect(t!.stdout).not.toContain('Opened');
    expect(t!.stdout).not.toContain('Could not open');
  });

  it.each(['SIGTERM', 'SIGHUP'] as const)('%s sent to our PID alone while it runs (its witness lives on) is passed on to it', async (signal) => {
    const host = new RecordingForeground();
    contextWith(fakeLynx('exec sleep 30'), true, host);
    const opening = open(t!.ctx, { page: 'keys' });
    // Up: it has said what it shows (then it sleeps).
    while (!host.output.includes('lynx shows')) await new Promise((resolve) => host.child!.stdout!.once('data', resolve));
    await host.pass!(signal);
    expect(host.witnesses.find((w) => w.signal === signal)!.asked).toEqual([WITNESS_WAIT_MS]);
    expect(await opening).toBe(0);
    expect(host.child!.signalCode).toBe(signal);
    expect(t!.stdout).toContain('Could not open a browser');
    expect(host.witnesses.every((w) => w.stopped)).toBe(true);
  });

  it.each(['SIGTERM', 'SIGHUP'] as const)('%s sent to our whole process group (its witness got it too) reached the browser already: not sent again', async (signal) => {
    const host = new RecordingForeground();
    host.verdict = 'yes';
    contextWith(fakeLynx('exec sleep 30'), true, host);
    const opening = open(t!.ctx, { page: 'keys' });
    while (!host.output.includes('lynx shows')) await new Promise((resolve) => host.child!.stdout!.once('data', resolve));
    // Settled: judged, and (not) passed on; main.ts's handlers would run now.
    await host.pass!(signal);
    expect(host.child!.killed).toBe(false);
    expect(host.child!.exitCode).toBe(null);
    // Its witness is spent; the other is untouched.
    expect(host.witnesses.map((w) => [w.signal, w.stopped])).toEqual([
      ['SIGTERM', signal === 'SIGTERM'],
      ['SIGHUP', signal === 'SIGHUP'],
    ]);
    host.child!.kill('SIGKILL');
    expect(await opening).toBe(0);
    expect(host.witnesses.every((w) => w.stopped)).toBe(true);
  });

  it('without a terminal: not started; the URL is printed, with why', async () => {
    const host = new RecordingForeground();
    contextWith(fakeLynx(), false, host);
    expect(t!.ctx.browser.skipReason).toBe('BROWSER is lynx, which needs a terminal');
    expect(await open(t!.ctx, { page: 'keys' })).toBe(0);
    expect(host.steps).toEqual([]);
    expect(existsSync(join(dir, 'ran'))).toBe(false);
    expect(t!.stdout).toBe(`  → API keys:\n    ${URL}\n    Open the link above in a browser on any device (BROWSER is lynx, which needs a terminal).\n`);
  });

  it('is known by its program name, as Python knows them', () => {
    expect(['lynx', '/usr/bin/w3m', 'links %s', 'elinks -remote', 'www-browser', "'/opt/my tools/LYNX'", 'C:\\Tools\\w3m.exe'].map(consoleBrowser)).toEqual(['lynx', 'w3m', 'links', 'elinks', 'www-browser', 'lynx', 'w3m']);
    expect(['firefox', 'open -a Safari', 'xdg-open', '/usr/bin/lynx-wrapper', ''].map(consoleBrowser)).toEqual([null, null, null, null, null]);
  });
});
