#!/usr/bin/env node
// Records a real run of the wizard in a pseudo-terminal and renders it to docs/wizard.svg (shipped: the README shows it)
// (the picture in the README).
//
//   npm run screenshot        (builds dist/ first, then runs this script)
//
// What happens: the local OpenAI-like server (test/helpers/openai-server.mjs) answers for one fake
// key; a private, throw-away gnome-keyring on its own D-Bus session bus holds the stored key (when
// dbus-run-session and gnome-keyring-daemon are installed; otherwise the wizard is run with
// --insecure-storage and a warning is printed); the built wizard `node bin/openai-setup.cjs` runs
// in a detached 88x40 tmux session on a private socket with a scrubbed environment; keys are sent
// with `tmux send-keys`, each step waiting for the expected text on screen; at the end the whole
// scrollback is captured with its colours (`tmux capture-pane -p -e -S -`) and drawn as an SVG
// terminal window. Nothing is retouched: the SVG shows exactly the cells tmux holds.
//
// Needs node and tmux (plus, optionally, dbus-run-session + gnome-keyring-daemon). Builds nothing.
// Cleans up the tmux server, the keyring, the fake server and the temp dir in every case.
// Exits non-zero on a timeout (printing the last screen), when the wizard fails, or if the full
// key (or any 16-character piece of it) would end up in the SVG.

import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeKey, startOpenAIServer } from '../helpers/openai-server.mjs';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(REPO, 'bin', 'openai-setup.cjs');
const OUT = fileURLToPath(new URL('../../docs/wizard.svg', import.meta.url));
const COLS = 88;
const ROWS = 40;
const STEP_TIMEOUT_MS = Number(process.env.SCREENSHOT_TIMEOUT_MS) || 20_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function onPath(program) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      // keep looking
    }
  }
  return false;
}

class Failure extends Error {}

// ------------------------------------------------------------------------------------------------
// Everything we start, so that cleanup() can undo it whatever happens.

const cleanups = [];
let cleaning;
function cleanup() {
  cleaning ??= (async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        console.error(`cleanup: ${err?.message ?? err}`);
      }
    }
  })();
  return cleaning;
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    console.error(`\n${sig}: cleaning up`);
    cleanup().finally(() => process.exit(130));
  });
}

// ------------------------------------------------------------------------------------------------
// A private keyring: dbus-run-session + gnome-keyring-daemon --unlock, all in one process group.

async function startKeyring(root) {
  const dir = join(root, 'keyring');
  const home = join(dir, 'home');
  const runtime = join(dir, 'run');
  mkdirSync(home, { recursive: true });
  mkdirSync(runtime, { mode: 0o700 });
  const script = [
    'printf %s "$KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 97',
    // wait (up to 5 s) until the daemon owns org.freedesktop.secrets, when dbus-send is there to ask
    'if command -v dbus-send >/dev/null; then i=0; while [ $i -lt 100 ]; do',
    '  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true" && break',
    '  sleep 0.05; i=$((i+1)); done; fi',
    'printf "DBUS_SESSION_BUS_ADDRESS=%s\\n" "$DBUS_SESSION_BUS_ADDRESS"',
    // live as long as this script does (a watchdog if it is SIGKILLed before cleanup)
    'while kill -0 "$WATCH_PID" 2>/dev/null; do sleep 1; done',
  ].join('\n');
  const child = spawn('dbus-run-session', ['--', 'sh', '-c', script], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      XDG_DATA_HOME: join(home, '.local', 'share'),
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_CACHE_HOME: join(home, '.cache'),
      XDG_RUNTIME_DIR: runtime,
      LANG: 'C.UTF-8',
      KEYRING_PASSWORD: 'openai-setup-screenshot',
      WATCH_PID: String(process.pid),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so cleanup can end all of it
  });
  const pgid = child.pid;
  let exited = false;
  const gone = new Promise((resolve) => child.on('close', () => ((exited = true), resolve())));
  child.on('error', () => {});
  cleanups.push(async () => {
    for (const [sig, wait] of [['SIGTERM', 2000], ['SIGKILL', 1000]]) {
      if (exited) break;
      try {
        process.kill(-pgid, sig);
      } catch {
        break; // group already gone
      }
      await Promise.race([gone, sleep(wait)]);
    }
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
  const deadline = Date.now() + 15_000;
  for (;;) {
    const m = /^DBUS_SESSION_BUS_ADDRESS=(.+)$/m.exec(out);
    if (m) return m[1].trim();
    if (exited || Date.now() > deadline) {
      throw new Failure(`the private keyring did not start${exited ? ` (exit ${child.exitCode})` : ' in 15 s'}:\n${err}`);
    }
    await sleep(20);
  }
}

// ------------------------------------------------------------------------------------------------
// tmux on a private socket.

function makeTmux(socket, env) {
  const run = (...args) => {
    const r = spawnSync('tmux', ['-S', socket, ...args], { env, encoding: 'utf8' });
    if (r.error) throw new Failure(`tmux: ${r.error.message}`);
    if (r.status !== 0) throw new Failure(`tmux ${args[0]} failed (exit ${r.status}): ${r.stderr.trim()}`);
    return r.stdout;
  };
  return {
    run,
    screen: () => run('capture-pane', '-p', '-t', 'shot'),
    all: () => run('capture-pane', '-p', '-J', '-S', '-', '-t', 'shot'),
    keys: (...keys) => run('send-keys', '-t', 'shot', ...keys),
    literal: (text) => run('send-keys', '-t', 'shot', '-l', text),
  };
}

// ------------------------------------------------------------------------------------------------
// SGR → SVG

// Terminal palette (GitHub dark).
const PALETTE = [
  '#484f58', '#ff7b72', '#3fb950', '#d29922', '#58a6ff', '#bc8cff', '#39c5cf', '#b1bac4',
  '#6e7681', '#ffa198', '#56d364', '#e3b341', '#79c0ff', '#d2a8ff', '#56d4dd', '#ffffff',
];
const DEFAULT_FG = '#e6edf3';
const DEFAULT_BG = '#0d1117';

const hex = (n) => n.toString(16).padStart(2, '0');
const rgb = (r, g, b) => `#${hex(r)}${hex(g)}${hex(b)}`;
function color256(n) {
  if (n < 16) return PALETTE[n];
  if (n < 232) {
    const level = [0, 95, 135, 175, 215, 255];
    const i = n - 16;
    return rgb(level[Math.floor(i / 36)], level[Math.floor(i / 6) % 6], level[i % 6]);
  }
  const v = 8 + 10 * (n - 232);
  return rgb(v, v, v);
}

const plainStyle = () => ({ fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, inverse: false, hidden: false, strike: false });

function applySgr(style, params) {
  const p = params === '' ? [0] : params.split(/[;:]/).map((x) => (x === '' ? 0 : Number(x)));
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === 0) Object.assign(style, plainStyle());
    else if (c === 1) style.bold = true;
    else if (c === 2) style.dim = true;
    else if (c === 3) style.italic = true;
    else if (c === 4) style.underline = true;
    else if (c === 7) style.inverse = true;
    else if (c === 8) style.hidden = true;
    else if (c === 9) style.strike = true;
    else if (c === 21 || c === 24) style.underline = false;
    else if (c === 22) style.bold = style.dim = false;
    else if (c === 23) style.italic = false;
    else if (c === 27) style.inverse = false;
    else if (c === 28) style.hidden = false;
    else if (c === 29) style.strike = false;
    else if (c >= 30 && c <= 37) style.fg = PALETTE[c - 30];
    else if (c >= 90 && c <= 97) style.fg = PALETTE[c - 90 + 8];
    else if (c === 39) style.fg = null;
    else if (c >= 40 && c <= 47) style.bg = PALETTE[c - 40];
    else if (c >= 100 && c <= 107) style.bg = PALETTE[c - 100 + 8];
    else if (c === 49) style.bg = null;
    else if (c === 38 || c === 48) {
      let value = null;
      if (p[i + 1] === 5) {
        value = color256(p[i + 2] ?? 0);
        i += 2;
      } else if (p[i + 1] === 2) {
        value = rgb(p[i + 2] ?? 0, p[i + 3] ?? 0, p[i + 4] ?? 0);
        i += 4;
      }
      if (c === 38) style.fg = value;
      else style.bg = value;
    }
  }
}

/** Columns a character takes in the terminal (tmux puts wide characters over two cells). */
function charWidth(cp) {
  if (
    (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) || (cp >= 0x20000 && cp <= 0x3fffd)
  ) return 2;
  if ((cp >= 0x300 && cp <= 0x36f) || cp === 0x200b || cp === 0x200d || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
  return 1;
}

/**
 * capture-pane -e output → rows of cells-runs: [{ col, text, width, style }]. SGR state carries
 * over from one line to the next (tmux only writes changes). Non-ASCII characters get a run of
 * their own so that each can be placed on its column, whatever width the font gives the glyph.
 */
function parseCapture(captured) {
  const style = plainStyle();
  const rows = [];
  for (const line of captured.replace(/\n$/, '').split('\n')) {
    const runs = [];
    let col = 0;
    let cur = null;
    const flush = () => {
      if (cur && cur.text) runs.push(cur);
      cur = null;
    };
    for (let i = 0; i < line.length; ) {
      if (line[i] === '\x1b') {
        const m = /^\x1b\[([0-9;:]*)([@-~])/.exec(line.slice(i));
        if (m) {
          if (m[2] === 'm') {
            flush();
            applySgr(style, m[1]);
          }
          i += m[0].length;
        } else {
          const osc = /^\x1b\][\s\S]*?(?:\x07|\x1b\\)/.exec(line.slice(i));
          i += osc ? osc[0].length : 2;
        }
        continue;
      }
      const cp = line.codePointAt(i);
      const ch = String.fromCodePoint(cp);
      i += ch.length;
      if (ch === '\t') {
        flush();
        col = (Math.floor(col / 8) + 1) * 8;
        continue;
      }
      if (cp < 0x20 || cp === 0x7f) continue;
      const w = charWidth(cp);
      if (cp < 0x80) {
        if (!cur) cur = { col, text: '', width: 0, style: { ...style } };
        cur.text += ch;
        cur.width += 1;
      } else if (w === 0 && runs.length + (cur ? 1 : 0) > 0) {
        // combining: stick to what is before it
        (cur ?? runs[runs.length - 1]).text += ch;
      } else {
        flush();
        runs.push({ col, text: ch, width: w, style: { ...style } });
      }
      col += w;
    }
    flush();
    rows.push(runs);
  }
  while (rows.length > 0 && rows[rows.length - 1].every((r) => /^\s*$/.test(r.text) && !r.style.bg && !r.style.inverse)) rows.pop();
  return rows;
}

const xmlEscape = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (n) => String(Math.round(n * 100) / 100);

function renderSvg(rows, { title, cols }) {
  const FONT_SIZE = 14;
  const CW = FONT_SIZE * 0.6; // advance of a monospace cell
  const LH = Math.round(FONT_SIZE * 1.45);
  const PAD_X = 24;
  const BAR = 36;
  const PAD_TOP = 14;
  const PAD_BOTTOM = 18;
  const width = Math.ceil(PAD_X * 2 + cols * CW);
  const height = Math.ceil(BAR + PAD_TOP + rows.length * LH + PAD_BOTTOM);
  const out = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${xmlEscape(title)}: a recorded run of the wizard in a terminal">`,
    `<title>${xmlEscape(title)}</title>`,
    '<style>text{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono","DejaVu Sans Mono",monospace;font-size:' +
      `${FONT_SIZE}px;fill:${DEFAULT_FG};white-space:pre}.b{font-weight:700}.i{font-style:italic}.d{fill-opacity:.62}` +
      '.u{text-decoration:underline}.s{text-decoration:line-through}.u.s{text-decoration:underline line-through}</style>',
    `<rect x="0.5" y="0.5" width="${width - 1}" height="${height - 1}" rx="10" ry="10" fill="${DEFAULT_BG}" stroke="#30363d"/>`,
    `<path d="M0.5 ${BAR}H${width - 0.5}" stroke="#30363d"/>`,
    `<circle cx="20" cy="${BAR / 2}" r="6" fill="#ff5f57"/><circle cx="40" cy="${BAR / 2}" r="6" fill="#febc2e"/><circle cx="60" cy="${BAR / 2}" r="6" fill="#28c840"/>`,
    `<text x="${num(width / 2)}" y="${num(BAR / 2 + 4.5)}" text-anchor="middle" style="font-size:13px;fill:#8b949e">${xmlEscape(title)}</text>`,
  );
  const backgrounds = [];
  const texts = [];
  rows.forEach((runs, r) => {
    const top = BAR + PAD_TOP + r * LH;
    const baseline = top + Math.round(LH * 0.72);
    const spans = [];
    for (const run of runs) {
      const s = run.style;
      let fg = s.fg;
      let bg = s.bg;
      if (s.inverse) [fg, bg] = [bg ?? DEFAULT_BG, fg ?? DEFAULT_FG];
      const x = PAD_X + run.col * CW;
      if (bg) backgrounds.push(`<rect x="${num(x)}" y="${num(top)}" width="${num(run.width * CW)}" height="${LH}" fill="${bg}"/>`);
      if (s.hidden || (/^ *$/.test(run.text) && !s.underline && !s.strike)) continue;
      const classes = [s.bold && 'b', s.dim && 'd', s.italic && 'i', s.underline && 'u', s.strike && 's'].filter(Boolean);
      const attrs = [`x="${num(x)}"`];
      if (classes.length) attrs.push(`class="${classes.join(' ')}"`);
      if (fg && fg !== DEFAULT_FG) attrs.push(`fill="${fg}"`);
      spans.push(`<tspan ${attrs.join(' ')}>${xmlEscape(run.text)}</tspan>`);
    }
    if (spans.length) texts.push(`<text y="${baseline}" xml:space="preserve">${spans.join('')}</text>`);
  });
  out.push(...backgrounds, ...texts, '</svg>', '');
  return out.join('\n');
}

// ------------------------------------------------------------------------------------------------

async function main() {
  if (!existsSync(join(REPO, 'dist', 'main.cjs'))) throw new Failure('dist/main.cjs is missing: run `npm run screenshot` (it builds first) or `npm run build`.');
  if (!onPath('tmux')) throw new Failure('tmux is not installed (it hosts the pseudo-terminal the wizard runs in).');

  const root = mkdtempSync(join(tmpdir(), 'openai-setup-screenshot-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const home = join(root, 'home');
  mkdirSync(home, { recursive: true });

  const key = makeKey('proj', 'screenshot');
  const server = await startOpenAIServer({
    // short ids, so the "Accepted" line fits the 88 columns like a real one does
    keys: { [key]: { scenario: 'valid', organization: 'user-k3m9x2q7w1', project: 'proj_Fq8ZtR2mLw5N' } },
  });
  cleanups.push(() => server.close());

  const args = [];
  let bus = null;
  const missing = ['dbus-run-session', 'gnome-keyring-daemon'].filter((p) => !onPath(p));
  if (missing.length === 0) {
    bus = await startKeyring(root);
  } else {
    console.warn(`note: ${missing.join(' and ')} not installed; running with --insecure-storage (the picture will show a plain-text file instead of the keychain).`);
    args.push('--insecure-storage');
  }

  // The wizard's whole environment: nothing inherited but PATH, with openai-setup on it as after
  // `npm install -g` (else every command it recommends names the script's path).
  const installedDir = join(root, 'installed');
  mkdirSync(installedDir);
  symlinkSync(CLI, join(installedDir, 'openai-setup'));
  const wizardEnv = {
    PATH: `${installedDir}${delimiter}${process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'}`,
    HOME: home,
    OPENAI_SETUP_CONFIG_DIR: join(root, 'config'),
    XDG_CONFIG_HOME: join(home, '.config'),
    OPENAI_BASE_URL: server.baseURL,
    BROWSER: '/bin/true',
    TERM: 'xterm-256color',
    LANG: 'C.UTF-8',
    FORCE_COLOR: '1',
    ...(bus ? { DBUS_SESSION_BUS_ADDRESS: bus } : {}),
  };
  const q = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
  const rcFile = join(root, 'exit-code');
  const launcher = join(root, 'wizard.sh');
  writeFileSync(
    launcher,
    [
      '#!/bin/sh',
      `cd ${q(home)}`,
      `env -i ${Object.entries(wizardEnv).map(([k, v]) => q(`${k}=${v}`)).join(' ')} ${q(process.execPath)} ${q(CLI)} ${args.map(q).join(' ')}`,
      `echo $? > ${q(rcFile)}`,
      // keep the pane (and its scrollback) without printing anything more
      'exec sleep 2147483647',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );

  const socket = join(root, 'tmux.sock');
  const tmux = makeTmux(socket, { PATH: wizardEnv.PATH, HOME: home, TMUX_TMPDIR: root, TERM: 'xterm-256color', LANG: 'C.UTF-8' });
  cleanups.push(() => spawnSync('tmux', ['-S', socket, 'kill-server'], { stdio: 'ignore' }));
  tmux.run('-f', '/dev/null', 'new-session', '-d', '-s', 'shot', '-x', String(COLS), '-y', String(ROWS), launcher);
  tmux.run('set-option', '-t', 'shot', 'status', 'off');
  tmux.run('set-option', '-t', 'shot', 'history-limit', '10000');

  // Wait for text to appear on the (joined) scrollback after what earlier waits matched.
  let seen = 0;
  const waitFor = async (text) => {
    const deadline = Date.now() + STEP_TIMEOUT_MS;
    for (;;) {
      const all = tmux.all();
      const at = all.indexOf(text, seen);
      if (at >= 0) {
        seen = at + text.length;
        return;
      }
      const exited = existsSync(rcFile);
      if (exited || Date.now() > deadline) {
        const why = exited
          ? `the wizard exited (code ${readFileSync(rcFile, 'utf8').trim()}) without showing ${JSON.stringify(text)}`
          : `timed out after ${STEP_TIMEOUT_MS} ms waiting for ${JSON.stringify(text)}`;
        throw new Failure(`${why}. Last screen:\n${'─'.repeat(COLS)}\n${tmux.screen().replace(/\n+$/, '')}\n${'─'.repeat(COLS)}`);
      }
      await sleep(50);
    }
  };

  await waitFor('Step 1 of 4');
  await waitFor('When you are done on that page');
  tmux.keys('Enter');
  await waitFor('Step 2 of 4');
  await waitFor('When you are done on that page');
  tmux.keys('Enter');
  await waitFor('Step 3 of 4');
  await waitFor('How do you want to pay for the API?');
  tmux.keys('Enter'); // the first choice (prepaid credits only)
  await waitFor('When you are done on that page');
  tmux.keys('Enter');
  await waitFor('Open the limits page');
  tmux.keys('n', 'Enter');
  await waitFor('Step 4 of 4');
  await waitFor('Paste your secret key');
  tmux.literal(key);
  tmux.keys('Enter');
  await waitFor('The key works and can spend');
  await waitFor("You're ready to build.");
  await waitFor('https://platform.openai.com/usage');
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  while (!existsSync(rcFile) && Date.now() < deadline) await sleep(50);
  const rc = existsSync(rcFile) ? readFileSync(rcFile, 'utf8').trim() : 'none (still running)';
  if (rc !== '0') throw new Failure(`the wizard did not exit 0 (exit code: ${rc}). Last screen:\n${tmux.screen()}`);
  await sleep(100); // let tmux settle the last redraw

  const captured = tmux.run('capture-pane', '-p', '-e', '-S', '-', '-t', 'shot');
  const rows = parseCapture(captured);
  const svg = renderSvg(rows, { title: 'openai-setup', cols: COLS });

  // The key must never be in the picture: not whole, not in pieces (lines joined, so a wrapped
  // key is caught too), not even in the raw capture.
  const plain = rows.map((runs) => runs.map((r) => r.text).join('')).join('');
  for (const haystack of [svg, plain, captured.replace(/\n/g, '')]) {
    for (let i = 0; i + 16 <= key.length; i++) {
      if (haystack.includes(key.slice(i, i + 16))) {
        throw new Failure(`the secret key (characters ${i}–${i + 15}) shows up in the recording: not writing ${relative(REPO, OUT)}.`);
      }
    }
  }
  if (!plain.includes(`sk-proj-…${key.slice(-4)}`)) throw new Failure('the masked key hint is missing from the recording; the run did not look as expected.');

  if (cleaning) throw new Failure('interrupted');
  writeFileSync(OUT, svg);
  console.log(`Wrote ${relative(process.cwd(), OUT) || OUT} (${rows.length} lines, ${bus ? 'key stored in a private keyring' : 'key stored with --insecure-storage'}).`);
}

let code = 0;
try {
  await main();
} catch (err) {
  console.error(err instanceof Failure ? `record.mjs: ${err.message}` : err);
  code = 1;
} finally {
  await cleanup();
}
process.exit(code);
