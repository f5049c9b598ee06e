import { execFileSync } from 'node:child_process';
// A damaged state.json: it records which profile `use` chose and where its key is, and neither can
// be read from it. token refuses to guess the profile; status still tells where the key is.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as status, StatusJsonSchema } from '../../src/commands/status.js';
import { run as token } from '../../src/commands/token.js';
import { run as use } from '../../src/commands/use.js';
import { EXIT } from '../../src/errors.js';
import { makeTestContext, outcomeOf, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';

const KEY = testKey('A');
const P1_KEY = testKey('P');
const DAMAGED = '{"version":1,"defaultProfile":"p1","profiles":{';

let t: TestContext;
afterEach(() => t?.cleanup());

/** A context whose state.json is damaged; its path. */
function damaged(options: TestContextOptions = {}): string {
  t = makeTestContext({ stdoutIsTTY: false, ...options });
  mkdirSync(t.configDir, { mode: 0o700 });
  const path = join(t.configDir, 'state.json');
  writeFileSync(path, DAMAGED, { mode: 0o600 });
  return path;
}

describe('token with a damaged state.json', () => {
  it('refuses (exit 7), saying how to go on; with --profile it prints that profile\'s key', async () => {
    const path = damaged({ keychain: { default: KEY, p1: P1_KEY } });
    const refused = await outcomeOf(token(t.ctx, { yes: false }));
    expect(refused).toEqual({
      code: EXIT.keyStore,
      message: `The progress file ${path} is damaged (not valid JSON: it ends too soon, as if cut short).`,
      hints: [
        "It records the profile chosen with `openai-setup use`, so no key is handed out without it: that could be another profile's key.",
        'To go on, name the profile: --profile NAME (or OPENAI_SETUP_PROFILE=NAME), or choose it again with `openai-setup use NAME` (that moves the damaged file aside).',
      ],
    });
    expect(t.stdout).toBe('');
    expect(await token(t.ctx, { profile: 'p1', yes: false })).toBe(0);
    expect(t.stdout).toBe(`${P1_KEY}\n`);
  });
});

describe('token with a state.json of a newer openai-setup', () => {
  it('understood: its choice of profile is used', async () => {
    const path = damaged({ keychain: { default: KEY, p1: P1_KEY } });
    writeFileSync(path, JSON.stringify({ version: 99, defaultProfile: 'p1', profiles: {} }), { mode: 0o600 });
    expect(await token(t.ctx, { yes: false })).toBe(0);
    expect(t.stdout).toBe(`${P1_KEY}\n`);
  });

  it('in a form this one cannot read: refused, saying to update', async () => {
    const path = damaged({ keychain: { default: KEY, p1: P1_KEY } });
    writeFileSync(path, JSON.stringify({ version: 99, defaultProfile: ['p1'], profiles: [] }), { mode: 0o600 });
    const refused = await outcomeOf(token(t.ctx, { yes: false }));
    expect(refused.code).toBe(EXIT.keyStore);
    expect(refused.message).toBe(
      `The progress file ${path} was written by a newer openai-setup (format 99; this one knows 1), in a form this one cannot read; update openai-setup (npm install -g openai-setup@latest) and run again.`,
    );
    expect(t.stdout).toBe('');
  });
});

describe('status with a damaged state.json: the key as token finds it', () => {
  it('in the --insecure-storage file', async () => {
    damaged();
    await t.ctx.keys.set('default', KEY, true);
    expect(await status(t.ctx, { profile: 'default', json: false })).toBe(0);
    expect(t.stdout).toContain(`! Key sk-proj-…000A in plain text: ${t.ctx.keys.filePath}`);
    expect(t.stdout).not.toContain('No key stored');
    expect(t.stderr).toMatch(/^! The progress file .*state\.json is damaged \(.*\), so it is not used/);
  });

  it('in the keychain, read only (nothing written to it); --json says so too', async () => {
    damaged({ keychain: { default: KEY } });
    expect(await status(t.ctx, { profile: 'default', json: true })).toBe(0);
    const json = StatusJsonSchema.parse(JSON.parse(t.stdout));
    expect(json.key).toMatchObject({ storage: 'keychain', hint: 'sk-proj-…000A', savedAt: null });
    // The key's entry, and the admin key's (no record of either to go by).
    expect(t.keychain.calls.map((c) => [c.op, c.account])).toEqual([['get', 'default'], ['get', 'default:admin']]);
  });

  it('none anywhere: no key stored, and still nothing written to the keychain', async () => {
    damaged();
    expect(await status(t.ctx, { profile: 'default', json: false })).toBe(0);
    expect(t.stdout).toContain('No key stored for this profile');
    expect(t.keychain.calls.map((c) => [c.op, c.account])).toEqual([['get', 'default'], ['get', 'default:admin']]);
  });

  it('a key file that cannot be used: said in one line, and status answers all the same', async () => {
    damaged();
    writeFileSync(t.ctx.keys.filePath, '{"keys":', { mode: 0o600 });
    expect(await status(t.ctx, { profile: 'default', json: false })).toBe(0);
    expect(t.stderr).toContain(`! ${t.ctx.keys.filePath} is damaged. Remove it (\`rm -- '${t.ctx.keys.filePath}'\`): every key in it is lost with it, other profiles' too (copy yours out first if you can still read it there); then store the key of profile "default" again`);
  });

  it('a state file that is fine: the keychain is not asked at all', async () => {
    t = makeTestContext({ keychain: { default: KEY } });
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(t.keychain.calls).toEqual([]);
  });
});

describe('status after a damaged state.json was moved aside: the record went with it', () => {
  /** A state.json that is not JSON at all, moved aside by a command that saves progress (`use`); the file there now records no key. */
  async function movedAside(options: TestContextOptions = {}): Promise<void> {
    const path = damaged(options);
    writeFileSync(path, 'not JSON at all', { mode: 0o600 });
    expect(await use(t.ctx, { name: 'default' })).toBe(0);
    expect(readdirSync(t.configDir).filter((name) => name.startsWith('state.json.bak-'))).toHaveLength(1);
    t.keychain.calls.length = 0;
    shown = t.stdout.length;
  }

  /** What status printed: stdout since `use` or the last call. */
  function printed(): string {
    const text = t.stdout.slice(shown);
    shown = t.stdout.length;
    return text;
  }
  let shown = 0;

  it('a key in the keychain is shown by its hint, not "No key stored"; --json says the same', async () => {
    await movedAside({ keychain: { default: KEY } });
    expect(await status(t.ctx, { profile: 'default', json: false })).toBe(0);
    const text = printed();
    expect(text).toContain('✔ Key sk-proj-…000A in the Secret Service keyring');
    expect(text).not.toContain('No key stored');
    expect(text).not.toContain(KEY);
    expect(await status(t.ctx, { profile: 'default', json: true })).toBe(0);
    expect(StatusJsonSchema.parse(JSON.parse(printed())).key).toMatchObject({ storage: 'keychain', hint: 'sk-proj-…000A', savedAt: null });
    // Read only: nothing written to the keychain.
    expect(t.keychain.calls.map((c) => [c.op, c.account])).toEqual([['get', 'default'], ['get', 'default:admin'], ['get', 'default'], ['get', 'default:admin']]);
  });

  it('the admin key in the keychain is shown too, as spend and logout --admin find it; --json says the same', async () => {
    const admin = makeKey('admin', 'unit-moved-aside-admin');
    await movedAside({ keychain: { work: KEY, 'work:admin': admin } });
    expect(await status(t.ctx, { profile: 'work', json: false })).toBe(0);
    const text = printed();
    expect(text).toContain('✔ Key sk-proj-…000A in the Secret Service keyring');
    expect(text).toContain(`✔ Admin key sk-admin-…${admin.slice(-4)} in the Secret Service keyring (for rotate and spend)\n`);
    expect(text).not.toContain(admin);
    expect(await status(t.ctx, { profile: 'work', json: true })).toBe(0);
    expect(StatusJsonSchema.parse(JSON.parse(printed())).adminKey).toEqual({ storage: 'keychain', hint: `sk-admin-…${admin.slice(-4)}`, savedAt: null });
    // Read only: nothing written to the keychain.
    expect(t.keychain.calls.every((c) => c.op === 'get')).toBe(true);
  });

  it('none there: "No key stored" is true now', async () => {
    await movedAside();
    expect(await status(t.ctx, { profile: 'default', json: false })).toBe(0);
    expect(printed()).toContain('No key stored for this profile: store one (at a terminal it asks for the key, hidden; or pipe the key into it with --stdin) with `openai-setup key`');
    expect(t.keychain.calls.map((c) => [c.op, c.account])).toEqual([['get', 'default'], ['get', 'default:admin']]);
  });

  it('no file moved aside: a state file recording no key is believed, and the keychain is not asked', async () => {
    t = makeTestContext({ stdoutIsTTY: false, keychain: { default: KEY } });
    expect(await use(t.ctx, { name: 'default' })).toBe(0);
    t.keychain.calls.length = 0;
    expect(await status(t.ctx, { profile: 'default', json: false })).toBe(0);
    // Not "no key stored": status read no keychain, and says which command does.
    expect(t.stdout).toContain('○ No key recorded for this profile (`openai-setup doctor` looks in the Secret Service keyring and records a key it finds there): store one (at a terminal it asks for the key, hidden; or pipe the key into it with --stdin) with `openai-setup key`\n');
    expect(t.stdout).not.toContain('No key stored');
    expect(t.keychain.calls).toEqual([]);
  });

  it('a keychain that cannot be read: not known, saying why', async () => {
    await movedAside();
    t.keychain.failWith('locked');
    expect(await status(t.ctx, { profile: 'default', json: true })).toBe(0);
    expect(StatusJsonSchema.parse(JSON.parse(printed())).key.storage).toBe('unknown');
    expect(await status(t.ctx, { profile: 'default', json: false })).toBe(0);
    expect(printed()).toMatch(/○ Key not known: a damaged progress file was moved aside \(to .*state\.json\.bak-[^)]*\) and the Secret Service keyring could not be read \(it is locked\)/);
  });

  it('not known for as long as the moved-aside file is there: the rm that ends it, which works as printed', async () => {
    await movedAside();
    t.keychain.failWith('locked');
    expect(await status(t.ctx, { profile: 'default', json: false })).toBe(0);
    const text = printed();
    const [aside] = readdirSync(t.configDir).filter((name) => name.startsWith('state.json.bak-'));
    const command = /status goes by the progress file again: {2}(rm -- .*)$/m.exec(text)?.[1];
    expect(command).toBe(`rm -- ${join(t.configDir, aside!)}`);
    execFileSync('bash', ['-c', command!]);
    expect(await status(t.ctx, { profile: 'default', json: false })).toBe(0);
    expect(printed()).toContain('No key recorded for this profile');
  });
});
