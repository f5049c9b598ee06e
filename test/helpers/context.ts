/**
 * A real-shaped Context for unit tests of the commands' run functions: the real terminal over
 * in-memory streams (plain text: NO_COLOR), a scripted prompter, a browser that records URLs, the
 * real StateStore and KeyStore in a temp dir (the KeyStore over an in-memory keychain), and a
 * scripted API. Nothing spawns, nothing goes to the network. Every context is checked when its
 * test ends (assertScriptsUsed) and its temp dir removed: a test may call either sooner.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { STATUS, type VerifyStatus } from '../../src/api/status.js';
import { createAdminApi } from '../../src/api/admin.js';
import type { AdminApi, Api, CheckRequest, CheckResult, Reachability } from '../../src/api/types.js';
import type { Context } from '../../src/context.js';
import { Interrupts } from '../../src/interrupts.js';
import { ExitError } from '../../src/errors.js';
import { parseEnv } from '../../src/options.js';
import { PAGES } from '../../src/platform.js';
import { KeychainUnavailableError, type Keychain, type KeychainProblem } from '../../src/storage/keychain.js';
import { KEYCHAIN_SERVICE, KeyStore } from '../../src/storage/keystore.js';
import { Notices } from '../../src/storage/notices.js';
import { StateStore, type Profile } from '../../src/storage/state.js';
import type { Browser, OpenOutcome } from '../../src/terminal/browser.js';
import { createTerminal, type OutputStream } from '../../src/terminal/output.js';
import { nonInteractivePrompter, safePrompter } from '../../src/terminal/prompter.js';
import { createAdminOrganization, type AdminOrganization } from './openai-server.js';
import { ScriptedPrompter } from './prompter.js';

/** A key of an early project key's shape (sk-proj-, 20, T3BlbkFJ, 20: 56 characters); `tag` makes different keys. */
export function testKey(tag = 'A'): string {
  return `sk-proj-${tag.repeat(4)}${'x'.repeat(16 - tag.length * 4)}T3BlbkFJ${'x'.repeat(16)}${tag.padStart(4, '0')}`;
}

/** Text with every run of whitespace made one space: paragraphs wrapped by term.say() read as one line. */
export function flat(text: string): string {
  return text.replace(/\s+/g, ' ');
}

// ---------------------------------------------------------------------------------------------
// The keychain: a Map, and failures on demand, like the OS keychain's (KeychainUnavailableError).

type KeychainOp = 'get' | 'set' | 'delete';

const FAILURE_DETAIL: Record<KeychainProblem, string> = {
  'no-service': 'The name org.freedesktop.secrets was not provided by any .service files',
  'no-keyring': "Couldn't access platform storage: Secret Service: no result found",
  locked: 'Cannot unlock the collection: the prompt was dismissed',
  denied: 'Access denied',
  timeout: 'no answer within 3000 ms',
  'no-start': 'the keychain helper (a node process) did not start within 15 s',
  'no-binding': 'Cannot find native binding',
  'other-user': 'the session bus in DBUS_SESSION_BUS_ADDRESS (/run/user/1000/bus) belongs to another user (uid 1000)',
  failed: 'the keychain helper gave no answer',
};

/** An in-memory stand-in for the OS keychain (the real one is tested end to end). */
export class MemoryKeychain implements Keychain {
  readonly description = 'Secret Service keyring';
  /** Every call, in order (to tell whether the keychain was asked at all). */
  readonly calls: Array<{ op: KeychainOp; account: string }> = [];
  private readonly entries = new Map<string, string>();
  private failure: { problem: KeychainProblem; ops: KeychainOp[]; after: number; times: number } | null = null;

  constructor(keys: Record<string, string> = {}) {
    for (const [account, key] of Object.entries(keys)) this.entries.set(account, key);
  }

  /**
   * From now on, fail `ops` with `problem`, after letting `after` of those calls through (so that
   * the write probe can pass and the real write fail), and only `times` times (then it works
   * again, as a keyring does once unlocked).
   */
  failWith(problem: KeychainProblem, options: { ops?: KeychainOp[]; after?: number; times?: number } = {}): this {
    this.failure = { problem, ops: options.ops ?? ['get', 'set', 'delete'], after: options.after ?? 0, times: options.times ?? Infinity };
    return this;
  }

  /** No session bus here (withoutBus): known without asking, as the OS keychain knows it (noSessionBus). */
  private busless = false;

  /** No session bus at all: every call fails with 'no-service', and unreachable() says so without a call. */
  withoutBus(): this {
    this.busless = true;
    return this.failWith('no-service');
  }

  unreachable(): KeychainUnavailableError | null {
    return this.busless ? new KeychainUnavailableError('no-service', FAILURE_DETAIL['no-service']) : null;
  }

  /** The key stored for a profile (service "openai-setup"), if any. */
  keyOf(account: string): string | undefined {
    return this.entries.get(account);
  }

  accounts(): string[] {
    return [...this.entries.keys()];
  }

  async getPassword(service: string, account: string): Promise<string | null> {
    this.enter('get', service, account);
    return this.entries.get(account) ?? null;
  }

  async setPassword(service: string, account: string, password: string): Promise<void> {
    this.enter('set', service, account);
    this.entries.set(account, password);
  }

  async deletePassword(service: string, account: string): Promise<boolean> {
    this.enter('delete', service, account);
    return this.entries.delete(account);
  }

  private enter(op: KeychainOp, service: string, account: string): void {
    // One service only: a product bug that used another would otherwise pass unnoticed.
    if (service !== KEYCHAIN_SERVICE) throw new Error(`Unexpected keychain service "${service}"`);
    this.calls.push({ op, account });
    const failure = this.failure;
    if (!failure || !failure.ops.includes(op)) return;
    if (failure.after > 0) {
      failure.after--;
      return;
    }
    if (--failure.times <= 0) this.failure = null;
    throw new KeychainUnavailableError(failure.problem, FAILURE_DETAIL[failure.problem]);
  }
}

/**
 * A key store with no Context, over `dir` and `keychain`, reading where keys are recorded from the
 * progress file there (a StateStore of its own, as each run has).
 */
export function keyStoreIn(dir: string, keychain: Keychain = new MemoryKeychain(), warn: (message: string) => void = () => {}): KeyStore {
  return new KeyStore(keychain, dir, warn, new StateStore(dir, () => new Date(FIXED_NOW), () => {}));
}

// ---------------------------------------------------------------------------------------------
// The browser: records what it was asked to open.

export class RecordingBrowser implements Browser {
  readonly opened: string[] = [];

  constructor(
    private readonly outcome: OpenOutcome,
    readonly skipReason: string | null,
  ) {}

  async open(url: string): Promise<OpenOutcome> {
    this.opened.push(url);
    return this.outcome;
  }
}

// ---------------------------------------------------------------------------------------------
// The API: checks and reachability answered from a script; every request recorded.

/** One answer to a check: a result, or a function of the request. */
export type CheckAnswer = CheckResult | ((request: CheckRequest) => CheckResult);

const DEFAULT_RESULTS: Record<VerifyStatus, Partial<CheckResult>> = {
  valid: { message: 'The key works and can spend.', billing: 'ok', models: 12, notableModels: ['gpt-4o', 'gpt-4o-mini'], tier: '1' },
  rate_limited: { message: 'The key works; the API is limiting requests right now.', billing: 'unchecked', models: 12, reason: 'rate_limit_exceeded' },
  insufficient_quota: {
    message: 'The key works, but the organization has no credits (or reached its spend limit).',
    billing: 'no_quota',
    models: 12,
    reason: 'insufficient_quota',
    fix: 'Add credits on the billing overview, then check again.',
    fixUrl: PAGES.billing.url,
  },
  malformed_key: { message: 'This is not an OpenAI API key.', reason: 'malformed_key', organization: null, project: null },
  invalid_key: {
    message: 'The API rejected the key: it is wrong, revoked or deleted (the API cannot tell these apart).',
    reason: 'invalid_api_key',
    fix: 'Create a new key on the API keys page.',
    fixUrl: PAGES.keys.url,
    organization: null,
    project: null,
  },
  forbidden: {
    message: 'OpenAI does not serve the country, region or territory this request came from.',
    reason: 'unsupported_country_region_territory',
    organization: null,
    project: null,
  },
  network_error: { message: 'Could not connect to api.openai.com: ECONNREFUSED.', reason: 'ECONNREFUSED', organization: null, project: null },
  timeout: { message: 'No answer from api.openai.com within 15000 ms.', reason: 'timeout', organization: null, project: null },
  server_error: { message: 'The OpenAI API had a server error (HTTP 500); this is not a problem with your key.', reason: 'http_500', organization: null, project: null },
};

/** A CheckResult as the real check would give for `status`: exit code and ok from the STATUS table. */
export function checkResult(status: VerifyStatus, overrides: Partial<CheckResult> = {}): CheckResult {
  return {
    status,
    ok: STATUS[status].ok,
    exitCode: STATUS[status].exitCode,
    reason: null,
    organization: 'org-test',
    project: 'proj_test',
    models: null,
    notableModels: [],
    billing: 'unchecked',
    tier: null,
    requestId: null,
    message: '',
    fix: null,
    fixUrl: null,
    warnings: [],
    latencyMs: 120,
    ...DEFAULT_RESULTS[status],
    ...overrides,
  };
}

export class ScriptedApi implements Api {
  /** Every check asked for, in order. */
  readonly checks: CheckRequest[] = [];
  readonly reaches: Array<{ baseURL: string; timeoutMs: number }> = [];
  private readonly checkQueue: CheckAnswer[] = [];
  private readonly reachQueue: Reachability[] = [];
  private everyCheck: ((request: CheckRequest) => CheckResult) | null = null;
  private readonly failures: string[] = [];
  /**
   * The Admin API: with makeTestContext({ admin: true }) the real client (src/api/admin.ts) over
   * an in-memory organization (`org`); otherwise any call fails the test.
   */
  admin: AdminApi = new Proxy({} as AdminApi, {
    get: (_target, name) => async () => this.fail(`Unexpected Admin API call ${String(name)}: pass { admin: true } to makeTestContext.`),
  });

  /** Answers to the next checks, one each, in order. */
  answerChecks(...answers: CheckAnswer[]): this {
    this.checkQueue.push(...answers);
    return this;
  }

  /** Answers any check once the queue is empty. */
  answerEveryCheck(answer: (request: CheckRequest) => CheckResult): this {
    this.everyCheck = answer;
    return this;
  }

  answerReach(...answers: Reachability[]): this {
    this.reachQueue.push(...answers);
    return this;
  }

  /** Keys of the checks asked for, in order. */
  get checkedKeys(): string[] {
    return this.checks.map((c) => c.key);
  }

  assertAllUsed(): void {
    const problems = [...this.failures];
    if (this.checkQueue.length) problems.push(`${this.checkQueue.length} scripted check answer(s) never asked for.`);
    if (this.reachQueue.length) problems.push(`${this.reachQueue.length} scripted reach answer(s) never asked for.`);
    if (problems.length) throw new Error(problems.join('\n'));
  }

  async check(request: CheckRequest): Promise<CheckResult> {
    this.checks.push(request);
    const next = this.checkQueue.shift() ?? this.everyCheck;
    if (!next) this.fail(`Unexpected live check #${this.checks.length} (key ${request.key.slice(0, 12)}…): none scripted.`);
    return typeof next === 'function' ? next(request) : next;
  }

  async reach(baseURL: string, timeoutMs: number): Promise<Reachability> {
    this.reaches.push({ baseURL, timeoutMs });
    const next = this.reachQueue.shift();
    if (!next) this.fail(`Unexpected reachability check of ${baseURL}: none scripted.`);
    return next;
  }

  private fail(message: string): never {
    this.failures.push(message);
    throw new Error(message);
  }
}

// ---------------------------------------------------------------------------------------------
// The context.

class MemoryStream implements OutputStream {
  text = '';
  constructor(
    readonly isTTY: boolean,
    readonly columns: number,
  ) {}
  write(text: string): boolean {
    this.text += text;
    return true;
  }
}

export interface TestContextOptions {
  /** The home directory of the user's passwd entry (ctx.passwdHome), the home with HOME unset; default none. */
  passwdHome?: string;
  /** stdin and stdout are terminals, so questions may be asked (default true). */
  interactive?: boolean;
  /** Override one stream's TTY-ness (e.g. stdout a pipe for `token`). stderr is not a TTY by default: no spinner frames in it. */
  stdinIsTTY?: boolean;
  stdoutIsTTY?: boolean;
  stderrIsTTY?: boolean;
  columns?: number;
  /** The raw environment (parsed with the real parseEnv into ctx.env). */
  env?: Record<string, string | undefined>;
  /** What opening a page gives (default 'opened'). */
  browser?: OpenOutcome;
  /** Keys already in the keychain, by profile. */
  keychain?: Record<string, string>;
  /** What readStdin returns; without it, reading stdin fails the test. */
  stdin?: string;
  nodeVersion?: string;
  /** How the tool was started (default `openai-setup`). */
  commandName?: string;
  /** More of the terminal's environment (its locale: LANG; SHELL, for the commands' words beyond ASCII). */
  terminalEnv?: Record<string, string>;
  now?: Date;
  /** Answer the Admin API from an in-memory organization (TestContext.org), through the real client. */
  admin?: boolean;
  /** Signals as a test sends them (interrupts.ts); by default any use of the process fails the test. */
  interrupts?: Interrupts;
}

export interface TestContext {
  ctx: Context;
  prompts: ScriptedPrompter;
  api: ScriptedApi;
  keychain: MemoryKeychain;
  browser: RecordingBrowser;
  /** Everything written to stdout / stderr so far (plain text). */
  readonly stdout: string;
  readonly stderr: string;
  configDir: string;
  cwd: string;
  /** The organization the Admin API answers from (with { admin: true }). */
  org: AdminOrganization;
  /** A profile as the state file holds it now. */
  profile(name?: string): Promise<Profile | undefined>;
  /** Every scripted answer was asked for, and nothing unforeseen was asked (prompts and API). */
  assertScriptsUsed(): void;
  cleanup(): Promise<void>;
}

export const FIXED_NOW = new Date('2026-03-02T09:30:00.000Z');

export function makeTestContext(options: TestContextOptions = {}): TestContext {
  const root = mkdtempSync(join(tmpdir(), 'openai-setup-unit-'));
  // configDir is not created: first runs must work without it. cwd exists, as it would.
  const configDir = join(root, 'config');
  const cwd = join(root, 'project');
  mkdirSync(cwd);

  const interactive = options.interactive ?? true;
  // Wide by default: these tests read whole lines; wrapping to the width has tests of its own.
  const columns = options.columns ?? 400;
  const stdout = new MemoryStream(options.stdoutIsTTY ?? interactive, columns);
  const stderr = new MemoryStream(options.stderrIsTTY ?? false, columns);
  const stdin = { isTTY: options.stdinIsTTY ?? interactive };
  // NO_COLOR goes to the terminal only, so assertions read plain text; the product's env stays as given.
  const term = createTerminal({ stdout, stderr, stdin, env: { NO_COLOR: '1', ...options.terminalEnv }, setInterval: (() => 0) as unknown as typeof setInterval, clearInterval: () => {} });

  const rawEnv = { ...options.env };
  const now = options.now ?? FIXED_NOW;
  let ms = 0;
  const clock = { now: () => new Date(now), ms: () => (ms += 5) };
  const warn = (message: string) => term.err(`${term.style.yellow('!')} ${message}`);

  const prompts = new ScriptedPrompter();
  const api = new ScriptedApi();
  const org = createAdminOrganization({ now: () => now.getTime() });
  if (options.admin) api.admin = createAdminApi({ env: {}, fetch: org.fetch });
  const keychain = new MemoryKeychain(options.keychain);
  const outcome = options.browser ?? 'opened';
  const browser = new RecordingBrowser(outcome, outcome === 'skipped' ? 'there is no graphical display' : null);
  const unexpected = (what: string) => () => {
    throw new Error(`Unexpected ${what}: pass { interrupts } to makeTestContext.`);
  };
  const interrupts = options.interrupts ?? new Interrupts({ prepare: unexpected('signal'), say: unexpected('signal'), exit: unexpected('exit'), sleep: unexpected('signal') });
  const state = new StateStore(configDir, clock.now, warn, interrupts);

  const ctx: Context = {
    term,
    // As in main.ts: the prompter only with a terminal, else the real "usage error naming the flag" one.
    // Made safe as the real one is (inquirerPrompter): `prompts` records the questions as shown.
    prompter: (hint) => (term.interactive ? safePrompter(prompts, term.promptText) : nonInteractivePrompter(hint)),
    browser,
    state,
    keys: new KeyStore(keychain, configDir, warn, state),
    api,
    env: parseEnv(rawEnv),
    rawEnv,
    platform: 'linux',
    // No passwd home unless a test gives one: with HOME unset, no home directory (the real one is never looked in).
    passwdHome: () => options.passwdHome ?? null,
    notices: new Notices(warn),
    configDir,
    cwd,
    nodeVersion: options.nodeVersion ?? 'v20.19.0',
    commandName: options.commandName ?? 'openai-setup',
    readStdin: async () => {
      if (options.stdin === undefined) throw new Error('Unexpected read of standard input: no stdin scripted.');
      return options.stdin;
    },
    clock,
    interrupts,
  };

  const t: TestContext = {
    ctx,
    prompts,
    api,
    keychain,
    browser,
    get stdout() {
      return stdout.text;
    },
    get stderr() {
      return stderr.text;
    },
    configDir,
    cwd,
    org,
    profile: async (name = 'default') => (await state.read()).profiles[name],
    assertScriptsUsed() {
      prompts.assertAllUsed();
      api.assertAllUsed();
    },
    cleanup: async () => rmSync(root, { recursive: true, force: true }),
  };
  // Checked when its test ends, whatever the test file does (so that no file can forget): an
  // answer scripted and never asked for, or a failure thrown into the product and swallowed
  // there, fails the test. Removed first, so that a failed check leaves no temp dir behind.
  onTestFinished(async () => {
    await t.cleanup();
    t.assertScriptsUsed();
  });
  return t;
}

/** How a run ended, as main.ts reports it: its return value, or an ExitError's code and text. Other errors (bugs) are rethrown. */
export async function outcomeOf(run: Promise<number>): Promise<{ code: number; message: string; hints: string[] }> {
  try {
    return { code: await run, message: '', hints: [] };
  } catch (error) {
    if (error instanceof ExitError) return { code: error.code, message: error.message, hints: error.hints };
    throw error;
  }
}
