// What a question puts on a real terminal: the prompt library writes there itself, so the bytes
// on the screen are the proof that a question quoting text the tool did not write (a key's name,
// from the Admin API) shows it made safe, as the terminal's own lines are.
import { describe, expect, it } from 'vitest';
import { makeKey } from '../helpers/openai-server.js';
import { runCli } from '../helpers/run.js';
import { useServerAndKeyring } from '../helpers/server-and-keyring.js';

const ADMIN = makeKey('admin', 'e2e-prompt-text');
const PROJECT = 'proj_E2ePromptText0000000000';
const OSC52 = '\x1b]52;c;QQ==\x07';

const { server, machine, spawnCli } = useServerAndKeyring((openai) => {
  openai.admin.addAdminKey(ADMIN);
  openai.admin.addProject({ id: PROJECT, name: 'prompt-text' });
});

describe('rotate on a terminal', () => {
  it('asks to delete the old key by a name holding the admin key, a piece of the key and a clipboard write: all of it shown made safe', async () => {
    const t = await machine({ OPENAI_ADMIN_KEY: ADMIN });
    const old = makeKey('proj', 'e2e-prompt-text-old');
    server().addKey(old, { scenario: 'valid', project: PROJECT });
    const stored = await runCli(['key', '--stdin'], { env: t.env, input: old });
    expect(stored.code, stored.stderr).toBe(0);
    // A piece of the stored key that is not shaped like a key: only the run's knowing the key masks it.
    const piece = old.slice(20, 60);
    server().admin.setKeyMeta(old, { name: `laptop ${piece} ${ADMIN} ${old.slice(8).toUpperCase()} ${OSC52}` });

    const session = spawnCli(['rotate'], { env: t.env });
    await session.waitFor(/Rotate the key of profile "default"/);
    session.press('enter');
    await session.waitFor(/Delete the old key "laptop/);
    await session.waitFor('It stops working at once: programs already running with it lose access until restarted.');
    session.type('n');
    session.press('enter');
    expect((await session.exited).exitCode).toBe(0);
    const raw = session.rawOutput();
    expect(raw).not.toContain('\x1b]52');
    expect(raw).not.toContain(ADMIN.slice(9, 40));
    expect(raw).not.toContain(piece.slice(0, 12));
    expect(raw.toLowerCase()).not.toContain(old.slice(8, 40).toLowerCase());
    expect(session.output().replace(/\s+/g, ' ')).toContain(`Delete the old key "laptop … sk-admin-…${ADMIN.slice(-4)} …${old.slice(-4).toUpperCase()} \\x1b]52;c;QQ==\\x07"`);
  });
});

describe('colour of a question', () => {
  // Any SGR colour or weight inquirer writes (blue "?", bold question, cyan pointer, dim help).
  const STYLED = /\x1b\[(?:1|2|3[0-9])m/;

  it('follows the tool: NO_COLOR wins over FORCE_COLOR, with no warning from Node; FORCE_COLOR alone colours it', async () => {
    const t = await machine();
    for (const [extra, coloured] of [[{ NO_COLOR: '1', FORCE_COLOR: '1' }, false], [{ FORCE_COLOR: '1' }, true]] as const) {
      const session = spawnCli(['open'], { env: { ...t.env, ...extra } });
      await session.waitFor('Which page?');
      await session.waitFor('select');
      session.press('ctrl-c');
      expect((await session.exited).exitCode).toBe(130);
      expect(session.output()).not.toMatch(/Warning|NO_COLOR/);
      const question = session.rawOutput().slice(0, session.rawOutput().indexOf('Cancelled'));
      if (coloured) expect(question).toMatch(STYLED);
      else expect(question).not.toMatch(STYLED);
    }
  });
});
