// Names and ids the Admin API gives (a project's name, a cost's project id, a key's name) carry no
// terminal sequence to the screen: a colour or concealment (SGR) in them is shown escaped like any
// other escape, whatever command prints them, and only the colour the tool writes itself stays raw.
import { describe, expect, it } from 'vitest';
import { Chalk } from 'chalk';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run as adminKey, AdminKeyJsonSchema, type AdminKeyOptions } from '../../src/commands/admin-key.js';
import { run as rotate, type RotateOptions } from '../../src/commands/rotate.js';
import { run as spend, SpendJsonSchema } from '../../src/commands/spend.js';
import { createTerminal, marks } from '../../src/terminal/output.js';
import { neutralise, untrustedData } from '../../src/terminal/sanitize.js';
import { makeKey } from '../helpers/openai-server.js';
import { organizationWith, recordCheckedKey } from '../helpers/rotatable.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const ADMIN = makeKey('admin', 'unit-admin-text-escapes');
const PROJECT = 'proj_AdminEscapes00000000000';
// The reviewer's: a concealment (8m) that hides the rest of the line, a link, a red background,
// reverse video.
const CONCEALED = 'Good\x1b[8m hidden \x1b]8;;https://evil.example\x07link\x1b]8;;\x07';
const CONCEALED_SHOWN = 'Good\\x1b[8m hidden \\x1b]8;;https://evil.example\\x07link\\x1b]8;;\\x07';
const RED_ID = 'proj_\x1b[41mX';
const contexts = trackedContexts();

/** Every escape that reaches the terminal raw. */
const rawEscapes = (text: string) => text.match(/\x1b\[[0-9;]*m|\x1b/g) ?? [];

describe('untrustedData and neutralise', () => {
  it('untrustedData shows control characters escaped, SGR included; invisible characters stay for the terminal to escape', () => {
    expect(untrustedData(CONCEALED, [])).toBe(CONCEALED_SHOWN);
    expect(untrustedData(RED_ID, [])).toBe('proj_\\x1b[41mX');
    expect(untrustedData('a\u009b8mb\u007fc', [])).toBe('a\\x9b8mb\\x7fc');
    expect(untrustedData('my\u200bapp', [])).toBe('my\u200bapp');
  });

  it("neutralise keeps the colour the terminal's style writes, and escapes any other SGR (concealed, reverse, background, reset)", () => {
    const style = new Chalk({ level: 3 });
    const own = [style.bold('a'), style.dim('b'), style.red('c'), style.green('d'), style.yellow('e'), style.cyan('f'), style.underline('g'), style.bold(`x ${style.red('y')} z`), ...Object.values(marks(style))];
    for (const text of own) expect(neutralise(text)).toBe(text);
    for (const sgr of ['8', '7', '41', '0', '5', '30;40', '38;5;16', '']) expect(neutralise(`a\x1b[${sgr}mb`)).toBe(`a\\x1b[${sgr}mb`);
  });

  it('every style the source uses on the terminal is one neutralise keeps', () => {
    // `style.level` is the colour level (passed to the prompter), not a style.
    const styles = new Set<string>();
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(join(dir, entry.name));
        else if (entry.name.endsWith('.ts')) for (const m of readFileSync(join(dir, entry.name), 'utf8').matchAll(/(?<!theme\.)\bstyle\.(?!level\b)([a-z]\w*)\b/gi)) styles.add(m[1]!);
      }
    };
    walk(join(import.meta.dirname, '../../src'));
    expect(styles.size).toBeGreaterThan(3);
    const style = new Chalk({ level: 3 }) as unknown as Record<string, (text: string) => string>;
    for (const name of styles) expect(neutralise(style[name]!('x')), name).toBe(style[name]!('x'));
  });

  it('a terminal with colour on writes an SGR that came in the text escaped, its own colour raw', () => {
    let out = '';
    const term = createTerminal({ stdout: { write: (s: string) => (out += s), isTTY: true }, stderr: { write: () => true }, stdin: {}, env: { FORCE_COLOR: '1' } });
    term.out(`${marks(term.style).ok} ${term.style.bold('Name')} Good\x1b[8m hidden`);
    expect(out).toBe('\x1b[32m✔\x1b[39m \x1b[1mName\x1b[22m Good\\x1b[8m hidden\n');
  });
});

describe('commands that print Admin API names', () => {
  it('spend: a project name and a cost project id with SGR are shown escaped; --json carries them as shown', async () => {
    const setup = () => {
      const t = contexts.make({ admin: true, keychain: { 'default:admin': ADMIN } });
      t.org.admin.addAdminKey(ADMIN);
      t.org.admin.addProject({ id: PROJECT, name: CONCEALED });
      t.org.admin.addCost({ day: '2026-03-01', projectId: PROJECT, amount: 1.5 });
      t.org.admin.addCost({ day: '2026-03-01', projectId: RED_ID, amount: 2.5 });
      return t;
    };
    const t = setup();
    expect(await spend(t.ctx, { json: false })).toBe(0);
    expect(rawEscapes(t.stdout + t.stderr)).toEqual([]);
    expect(t.stdout).toContain('  proj_\\x1b[41mX ');
    expect(t.stdout).toContain('  Good\\x1b[8m hidden');

    const j = setup();
    expect(await spend(j.ctx, { json: true })).toBe(0);
    expect(SpendJsonSchema.parse(JSON.parse(j.stdout)).projects.map((p) => [p.id, p.name])).toEqual([
      ['proj_\\x1b[41mX', null],
      [PROJECT, CONCEALED_SHOWN],
    ]);
  });

  it('admin-key: the sample project name with SGR is shown escaped, on the terminal and in --json', async () => {
    const options = (extra: Partial<AdminKeyOptions> = {}): AdminKeyOptions => ({ stdin: true, insecureStorage: false, verify: true, json: false, ...extra });
    for (const json of [false, true]) {
      const t = contexts.make({ admin: true, interactive: false, stdin: `${ADMIN}\n` });
      t.org.admin.addAdminKey(ADMIN);
      t.org.admin.addProject({ id: PROJECT, name: 'Proj\x1b[8mCONCEALED' });
      expect(await adminKey(t.ctx, options({ json }))).toBe(0);
      expect(rawEscapes(t.stdout + t.stderr)).toEqual([]);
      if (json) expect(AdminKeyJsonSchema.parse(JSON.parse(t.stdout)).sampleProject).toEqual({ id: PROJECT, name: 'Proj\\x1b[8mCONCEALED' });
      else expect(t.stdout).toContain(`(for example "Proj\\x1b[8mCONCEALED", ${PROJECT})`);
    }
  });

  it('rotate --yes: the old key\'s name with SGR is shown escaped where it says the key was deleted', async () => {
    const old = makeKey('proj', 'unit-admin-text-escapes-old');
    const t = contexts.make({ admin: true, keychain: { default: old, 'default:admin': ADMIN } });
    organizationWith(t, { admin: ADMIN, project: PROJECT, old });
    t.org.admin.setKeyMeta(old, { name: 'laptop\x1b[7mREV' });
    await recordCheckedKey(t, { old, project: PROJECT, keySource: 'the keychain (profile default)' });
    const options: RotateOptions = { keepOld: false, yes: true, json: false };
    expect(await rotate(t.ctx, options)).toBe(0);
    expect(rawEscapes(t.stdout + t.stderr)).toEqual([]);
    expect(t.stdout).toContain('deleted the key "laptop\\x1b[7mREV" from');
  });
});
