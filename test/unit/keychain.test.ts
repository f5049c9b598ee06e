// The keychain's failures as a person reads them (the binding's real messages, classified), and the
// write probe: an entry of its own in every run, always removed, and never the cause of a failure
// when runs on other profiles probe at the same time.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as key } from '../../src/commands/key.js';
import { classifyKeyringError, describeKeychainProblem, itemVanished, judgedOnBus, keychainFix, KeychainUnavailableError, sessionBusSocket, type Keychain, type KeychainProblem } from '../../src/storage/keychain.js';
import { KEYCHAIN_SERVICE, KeyStore } from '../../src/storage/keystore.js';
import { ProfileNameSchema } from '../../src/storage/state.js';
import { makeTestContext, MemoryKeychain, testKey, type TestContext } from '../helpers/context.js';

const STORE = 'Secret Service keyring';

// What @napi-rs/keyring 2.1.2 throws (an Error with this message, no code), each seen from the real
// binding: a private gnome-keyring in dbus-run-session (stopped with SIGSTOP, locked, without a
// "login" keyring, sharing one entry between runs), a bus with no Secret Service or one that fails
// to start, no bus at all, and a bus socket of another user.
const NO_REPLY =
  'Platform failure: DBus error: Did not receive a reply. Possible causes include: the remote application did not send a reply, the message bus security policy blocked the reply, the reply timeout expired, or the network connection was broken.';
const OBJECT_GONE = 'Platform failure: DBus error: Object does not exist at path “/org/freedesktop/secrets/collection/login/46”';
const ITEM_GONE = 'Platform failure: DBus error: No such interface “org.freedesktop.Secret.Item” on object at path /org/freedesktop/secrets/collection/login/10';
const LOCKED = "Couldn't access platform storage: Secret Service: unlock prompt was dismissed";
const NO_LOGIN_KEYRING = "Couldn't access platform storage: Secret Service: no result found";
const NO_BUS = 'Platform failure: DBus error: Using X11 for dbus-daemon autolaunch was disabled at compile time, set your DBUS_SESSION_BUS_ADDRESS instead';
const NO_SOCKET = 'Platform failure: DBus error: Failed to connect to socket /run/user/1000/bus: No such file or directory';
const DEAD_SOCKET = 'Platform failure: DBus error: Failed to connect to socket /run/user/1000/bus: Connection refused';
const NO_SERVICE = 'Platform failure: DBus error: The name org.freedesktop.secrets was not provided by any .service files';
const SERVICE_FAILED = 'Platform failure: DBus error: Process org.freedesktop.secrets exited with status 1';
const SOCKET_DENIED = 'Platform failure: DBus error: Failed to connect to socket /run/user/1000/bus: Permission denied';
const REFUSED =
  'Platform failure: DBus error: Rejected send message, 2 matched rules; type="method_call", sender=":1.1" (uid=1000 pid=4242 comm="node") interface="org.freedesktop.Secret.Collection" member="CreateItem" error name="(unset)" requested_reply="0" destination="org.freedesktop.secrets" (uid=1000 pid=4240 comm="gnome-keyring-daemon")';

describe("the binding's errors, as a person reads them", () => {
  const failedAsSaid = (message: string) => `The ${STORE} failed: ${message}.`;
  const table: Array<{ message: string; problem: KeychainProblem; said: string; fix: RegExp | null }> = [
    // "…security policy blocked the reply…" holds "locked": a stopped daemon is one that does not answer.
    { message: NO_REPLY, problem: 'timeout', said: `The ${STORE} did not answer within a few seconds.`, fix: /^Check that the Secret Service keyring answers/ },
    { message: OBJECT_GONE, problem: 'failed', said: failedAsSaid(OBJECT_GONE), fix: null },
    { message: ITEM_GONE, problem: 'failed', said: failedAsSaid(ITEM_GONE), fix: null },
    { message: LOCKED, problem: 'locked', said: `The ${STORE} is locked and could not be unlocked from here.`, fix: /^Unlock it: log in to your desktop session, or unlock the "login" keyring in Passwords and Keys \(seahorse\), then run this again\. Over SSH it cannot be unlocked from here/ },
    { message: NO_LOGIN_KEYRING, problem: 'no-keyring', said: `The ${STORE} has no default keyring to keep keys in (no "login" keyring).`, fix: /File › New › Password Keyring/ },
    ...[NO_BUS, NO_SOCKET, DEAD_SOCKET, NO_SERVICE, SERVICE_FAILED].map((message) => ({
      message,
      problem: 'no-service' as const,
      said: `No ${STORE} is running on this machine (common over SSH, in containers and on WSL), so the key cannot go into a keychain.`,
      fix: null,
    })),
    // Another user's bus: not a keyring that said no ("Allow openai-setup when it asks"), nor none running.
    { message: SOCKET_DENIED, problem: 'failed', said: failedAsSaid(SOCKET_DENIED), fix: null },
    // A bus policy refusing the request on its way to a running Secret Service, in the bus's words.
    { message: REFUSED, problem: 'failed', said: failedAsSaid(REFUSED), fix: null },
  ];

  it.each(table)('$problem: $message', ({ message, problem, said, fix }) => {
    const error = classifyKeyringError(new Error(message));
    expect(error).toBeInstanceOf(KeychainUnavailableError);
    expect(error.problem).toBe(problem);
    expect(describeKeychainProblem(error, STORE)).toBe(said);
    const advice = keychainFix(error, STORE);
    if (fix) expect(advice).toMatch(fix);
    else expect(advice).toBeNull();
    if (problem !== 'locked') expect(`${said} ${advice ?? ''}`).not.toMatch(/locked|unlock/i);
  });

  it('an item that went away during the call is told apart from the keychain failing', () => {
    expect(itemVanished(classifyKeyringError(new Error(OBJECT_GONE)))).toBe(true);
    expect(itemVanished(classifyKeyringError(new Error(ITEM_GONE)))).toBe(true);
    for (const message of [NO_REPLY, LOCKED, NO_SERVICE, SOCKET_DENIED, REFUSED]) expect(itemVanished(classifyKeyringError(new Error(message)))).toBe(false);
  });
});

describe("another user's session bus (DBUS_SESSION_BUS_ADDRESS kept through sudo -E or su)", () => {
  const BUS = { path: '/run/user/1000/bus', uid: 1000 };
  /** What a person reads of the binding's `message` after `elapsedMs` of a 3 s time box, run as `uid`. */
  const said = (message: string, elapsedMs: number, bus: typeof BUS | null, uid: number | null = 0) => {
    const error = judgedOnBus(classifyKeyringError(new Error(message)), { elapsedMs, timeoutMs: 3000, bus, uid: uid ?? undefined });
    return { problem: error.problem, text: `${describeKeychainProblem(error, STORE)} ${keychainFix(error, STORE) ?? ''}`.trim() };
  };
  const ANOTHER = `The ${STORE} cannot be reached: the session bus in DBUS_SESSION_BUS_ADDRESS (/run/user/1000/bus) belongs to another user (uid 1000); sudo -E and su keep that variable from the user who started them. Run this as the user whose session bus it is, from their own terminal (not through sudo -E or su).`;

  it('a "no reply" at once from a socket of another uid (root with a user\'s bus): that bus is said to be theirs, not "did not answer within a few seconds"', () => {
    expect(said(NO_REPLY, 300, BUS)).toEqual({ problem: 'other-user', text: ANOTHER });
    // Refused the connection (a user after su): the same.
    expect(said(SOCKET_DENIED, 300, BUS, 1001)).toEqual({ problem: 'other-user', text: ANOTHER });
  });

  it('a socket that cannot be looked at (an abstract one, a dir of another user): said as likely another user\'s', () => {
    expect(said(NO_REPLY, 300, null).text).toBe(
      `The ${STORE} cannot be reached: the session bus in DBUS_SESSION_BUS_ADDRESS turned this user away at once, as another user's session bus does; sudo -E and su keep that variable from the user who started them. Run this as the user whose session bus it is, from their own terminal (not through sudo -E or su).`,
    );
  });

  it("this user's own bus: a slow no-reply is a daemon that did not answer; a no-reply at once is the binding's own words", () => {
    expect(said(NO_REPLY, 2900, { ...BUS, uid: 0 }).problem).toBe('timeout');
    expect(said(NO_REPLY, 300, { ...BUS, uid: 0 })).toEqual({ problem: 'failed', text: `The ${STORE} failed: ${NO_REPLY}` });
    // Whatever else the bus said is judged as before, another user's bus or not.
    expect(said(LOCKED, 300, BUS).problem).toBe('locked');
    expect(said(NO_SERVICE, 300, BUS).problem).toBe('no-service');
    // No uids (Windows): as the binding said.
    expect(said(NO_REPLY, 300, BUS, null).problem).toBe('timeout');
  });

  it('the socket is found from the address: its first unix:path=, %-escapes decoded; none for an abstract socket or tcp', () => {
    const dir = mkdtempSync(join(tmpdir(), 'openai-setup-bus-'));
    try {
      const socket = join(dir, 'my bus');
      writeFileSync(socket, '');
      const uid = statSync(socket).uid;
      expect(sessionBusSocket({ DBUS_SESSION_BUS_ADDRESS: `unix:abstract=/tmp/x;unix:guid=1,path=${socket.replace(' ', '%20')}` })).toEqual({ path: socket, uid });
      expect(sessionBusSocket({ DBUS_SESSION_BUS_ADDRESS: 'unix:abstract=/tmp/dbus-x,guid=1' })).toBeNull();
      expect(sessionBusSocket({ DBUS_SESSION_BUS_ADDRESS: 'tcp:host=localhost,port=1' })).toBeNull();
      expect(sessionBusSocket({ DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(dir, 'gone')}` })).toBeNull();
      expect(sessionBusSocket({})).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * The Secret Service as keyring-rs drives it: every call finds the entry's item first and uses it
 * after a round trip, and an item another process deleted in between is "Object does not exist".
 */
class SecretServiceDouble implements Keychain {
  readonly description = STORE;
  private nextId = 1;
  private readonly items = new Map<number, { account: string; secret: string }>();

  entries(): Record<string, string> {
    return Object.fromEntries([...this.items.values()].map((item) => [item.account, item.secret]));
  }

  private async find(service: string, account: string): Promise<number | undefined> {
    if (service !== KEYCHAIN_SERVICE) throw new Error(`Unexpected keychain service "${service}"`);
    await roundTrip();
    return [...this.items].find(([, item]) => item.account === account)?.[0];
  }

  private async use(id: number, change: () => void): Promise<void> {
    await roundTrip();
    if (!this.items.has(id)) throw classifyKeyringError(new Error(`Platform failure: DBus error: Object does not exist at path “/org/freedesktop/secrets/collection/login/${id}”`));
    change();
  }

  async getPassword(service: string, account: string): Promise<string | null> {
    const id = await this.find(service, account);
    return id === undefined ? null : (this.items.get(id)?.secret ?? null);
  }

  async setPassword(service: string, account: string, secret: string): Promise<void> {
    const id = await this.find(service, account);
    if (id === undefined) {
      await roundTrip();
      this.items.set(this.nextId++, { account, secret });
    } else await this.use(id, () => this.items.set(id, { account, secret }));
  }

  async deletePassword(service: string, account: string): Promise<boolean> {
    const id = await this.find(service, account);
    if (id === undefined) return false;
    await this.use(id, () => this.items.delete(id));
    return true;
  }
}

const roundTrip = () => new Promise<void>((resolve) => setImmediate(resolve));

let t: TestContext | undefined;
afterEach(() => t?.cleanup());

describe('the write probe', () => {
  it('8 runs of `key --stdin --no-verify` on 8 profiles at once, against one keyring: every key stored, nothing else left', async () => {
    t = makeTestContext({ interactive: false });
    const keyring = new SecretServiceDouble();
    const profiles = Array.from({ length: 8 }, (_, i) => `q${i}`);
    const keyOf = (i: number) => testKey(String.fromCharCode(65 + i));
    const base = t.ctx;
    const codes = await Promise.all(
      profiles.map((profile, i) =>
        key({ ...base, keys: new KeyStore(keyring, t!.configDir, () => {}, base.state), readStdin: async () => `${keyOf(i)}\n` }, { profile, stdin: true, verify: false }).catch(
          (error: Error) => `${profile}: ${error.message}`,
        ),
      ),
    );
    expect(codes).toEqual(profiles.map(() => 0));
    expect(keyring.entries()).toEqual(Object.fromEntries(profiles.map((profile, i) => [profile, keyOf(i)])));
    for (const [i, profile] of profiles.entries()) expect(t.stdout).toContain(`Stored sk-proj-…000${String.fromCharCode(65 + i)} in the ${STORE} (service "openai-setup", account "${profile}").`);
    expect(t.stderr).toBe('');
  });

  it('writes an entry of its own each time, which names no profile nor admin key, and removes it', async () => {
    t = makeTestContext();
    const keychain = new MemoryKeychain({ work: testKey('W') });
    const stores = [0, 1, 2].map(() => new KeyStore(keychain, t!.configDir, () => {}, t!.ctx.state));
    expect(await Promise.all(stores.map((store) => store.probeWritable()))).toEqual([null, null, null]);
    const probes = keychain.calls.filter((c) => c.op === 'set').map((c) => c.account);
    expect(new Set(probes).size).toBe(3);
    for (const account of probes) {
      expect(account).toMatch(new RegExp(`^__probe__\\.${process.pid}\\.[0-9a-f]{8}$`));
      expect(ProfileNameSchema.safeParse(account).success).toBe(false);
      expect(ProfileNameSchema.safeParse(account.replace(/:admin$/, '')).success).toBe(false);
    }
    expect(keychain.calls.filter((c) => c.op === 'delete').map((c) => c.account).sort()).toEqual([...probes].sort());
    expect(keychain.accounts()).toEqual(['work']);
  });

  it("removes the probe entries of runs that are gone, by the pid in the name; a live run's and any other name stay", async () => {
    t = makeTestContext();
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const keychain = Object.assign(new MemoryKeychain(), { findAccounts: async function (this: MemoryKeychain) { return this.accounts(); } });
    const left = [`__probe__.${dead}.0123abcd`, `__probe__.${process.pid}.0123abcd`, `__probe__.${dead}.0123abcd.tmp`, `__probe__.${dead}`, 'work'];
    for (const account of left) await keychain.setPassword(KEYCHAIN_SERVICE, account, 'x');
    expect(await new KeyStore(keychain, t.configDir, () => {}, t.ctx.state).probeWritable()).toBeNull();
    expect(keychain.accounts()).toEqual(left.slice(1));
  });

  it('a write that failed midway: its entry is removed too, and the failure is said', async () => {
    t = makeTestContext();
    const keychain = new MemoryKeychain();
    const set = keychain.setPassword.bind(keychain);
    keychain.setPassword = async (service, account, password) => {
      await set(service, account, password);
      throw classifyKeyringError(new Error(REFUSED));
    };
    const problem = await new KeyStore(keychain, t.configDir, () => {}, t.ctx.state).probeWritable();
    expect(problem?.problem).toBe('failed');
    expect(problem && describeKeychainProblem(problem, STORE)).toBe(`The ${STORE} failed: ${REFUSED}.`);
    expect(keychain.accounts()).toEqual([]);
  });

  it('an entry that went away under it (another process deleting) is not the keychain failing: tried once more with a new entry', async () => {
    t = makeTestContext();
    const keychain = new MemoryKeychain();
    const set = keychain.setPassword.bind(keychain);
    let vanished = 1;
    keychain.setPassword = async (service, account, password) => {
      if (vanished-- > 0) throw classifyKeyringError(new Error(OBJECT_GONE));
      await set(service, account, password);
    };
    expect(await new KeyStore(keychain, t.configDir, () => {}, t.ctx.state).probeWritable()).toBeNull();
    expect(keychain.accounts()).toEqual([]);
    // Twice in a row is no race any more: said.
    vanished = 2;
    expect((await new KeyStore(keychain, t.configDir, () => {}, t.ctx.state).probeWritable())?.detail).toBe(OBJECT_GONE);
    expect(keychain.accounts()).toEqual([]);
  });

  it('an entry written but not removed: the keychain can store, which is all the probe asks', async () => {
    t = makeTestContext();
    const keychain = new MemoryKeychain().failWith('failed', { ops: ['delete'] });
    expect(await new KeyStore(keychain, t.configDir, () => {}, t.ctx.state).probeWritable()).toBeNull();
  });

  it('a keychain that is locked, or does not answer, is asked once: another request would prompt or wait again', async () => {
    for (const problem of ['locked', 'timeout', 'no-service'] as const) {
      t?.cleanup();
      t = makeTestContext();
      const keychain = new MemoryKeychain().failWith(problem);
      expect((await new KeyStore(keychain, t.configDir, () => {}, t.ctx.state).probeWritable())?.problem).toBe(problem);
      expect(keychain.calls).toEqual([{ op: 'set', account: expect.stringMatching(/^__probe__\./) }]);
    }
  });
});
