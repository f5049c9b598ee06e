// What a failed Admin API request says (admin-failure.ts), as pure data in and one explained
// failure out: the server's words made safe, fixes that work as printed for the admin commands.
import { describe, expect, it } from 'vitest';
import { adminFailure, AdminApiError, needsAdminKeyFix } from '../../src/api/admin-failure.js';
import { adminKeyCommand } from '../../src/terminal/advice.js';
import type { Failure } from '../../src/api/diagnosis.js';
import { CancelledError, EXIT, failureFields, KeyStoreError, ReasonedExitError, UsageError } from '../../src/errors.js';
import { MAX_UNTRUSTED_LENGTH } from '../../src/terminal/sanitize.js';
import { makeKey } from '../helpers/openai-server.js';

const ADMIN = makeKey('admin', 'unit-admin-failure');
const PROJECT_KEY = makeKey('proj', 'unit-admin-failure');
const request = (extra: Partial<Parameters<typeof adminFailure>[1]> = {}) => ({
  baseURL: 'https://api.openai.com/v1',
  key: ADMIN,
  timeoutMs: 20_000,
  proxy: null,
  action: "listing the organization's projects",
  commandName: 'openai-setup',
  ...extra,
});
const http = (status: number, body: unknown): Failure => ({ kind: 'http', status, headers: null, body, requestId: 'req_1' });
const everything = (error: AdminApiError) => [error.message, ...error.hints, error.apiMessage ?? ''].join('\n');

describe("the API's own message", () => {
  it('is one safe line of at most 500 characters, the key masked: no forged "✔" line, no terminal sequence', () => {
    const forged = `Bad request.\n✔ The key works and can spend.\r\n\x1b]52;c;ZXZpbA==\x07\u202e ${ADMIN} ${'x'.repeat(700)}`;
    for (const [status, body] of [
      [400, { error: { message: forged, type: 'invalid_request_error', code: null } }],
      [403, { error: forged }],
      [404, { error: { message: forged } }],
    ] as const) {
      const error = adminFailure(http(status, body), request());
      const text = everything(error);
      expect(text).not.toMatch(/\n✔/);
      expect(error.message).not.toMatch(/[\r\n\x1b\x07\u202e]/);
      expect(error.apiMessage).not.toMatch(/[\r\n\x1b\x07\u202e]/);
      expect(error.apiMessage!.length).toBeLessThanOrEqual(MAX_UNTRUSTED_LENGTH);
      expect(error.apiMessage).toMatch(/…$/);
      expect(error.message.length).toBeLessThan(MAX_UNTRUSTED_LENGTH + 100);
      expect(error.message).toContain('\\x1b]52');
      expect(text).not.toContain(ADMIN);
      expect(text).not.toContain(ADMIN.slice(9, 40));
    }
  });

  it('a scope quoted by a hostile server is made safe too', () => {
    const error = adminFailure(http(403, { error: `Missing scopes: api.management.read\x1b[2J\u202e${'y'.repeat(300)}. More.` }), request({ key: PROJECT_KEY }));
    expect(error.kind).toBe('needs_admin_key');
    expect(error.message).not.toMatch(/[\x1b\u202e]/);
    expect(error.message.length).toBeLessThan(300);
  });
});

describe('a missing permission, in every form the API is known to send it', () => {
  const LONG = 'You have insufficient permissions for this operation. Missing scopes: api.management.read. Check that you have the correct role in your organization, and if you\'re using a restricted API key, that it has the necessary scopes.';
  // The 2026 short form: no final full stop, no "Check that…" sentence, and the code missing_scope.
  const SHORT = 'You have insufficient permissions for this operation. Missing scopes: api.management.read';
  const bodies: Array<[string, unknown, string | null]> = [
    ['full stop, error object', { error: { message: LONG, type: 'invalid_request_error', code: null } }, 'api.management.read'],
    ['no full stop, code missing_scope', { error: { message: SHORT, code: 'missing_scope' } }, 'api.management.read'],
    ['no full stop, no code', { error: { message: SHORT, type: 'invalid_request_error', code: null } }, 'api.management.read'],
    ['bare string, no full stop', { error: SHORT }, 'api.management.read'],
    ['bare string, full stop', { error: LONG }, 'api.management.read'],
    ['code only', { error: { message: 'You have insufficient permissions for this operation.', code: 'missing_scope' } }, null],
  ];

  for (const status of [401, 403]) {
    for (const [form, body, scope] of bodies) {
      it(`HTTP ${status}, ${form}: a project key needs an admin key; an admin key lacks ${scope ?? 'a permission'}`, () => {
        const project = adminFailure(http(status, body), request({ key: PROJECT_KEY }));
        expect(project.kind).toBe('needs_admin_key');
        expect(project.code).toBe(EXIT.forbidden);
        expect(project.message).toMatch(/^This needs an admin key: sk-proj-…\S{4} is a project key, which cannot manage the organization \(the API says: /);
        if (scope) expect(project.message).toContain(`(the API says: missing ${scope}).`);

        const admin = adminFailure(http(status, body), request());
        expect(admin.kind).toBe('missing_scope');
        expect(admin.code).toBe(EXIT.forbidden);
        expect(admin.message).toBe(
          scope
            ? `The admin key sk-admin-…${ADMIN.slice(-4)} lacks the permission ${scope}, needed for listing the organization's projects.`
            : `The admin key sk-admin-…${ADMIN.slice(-4)} lacks a permission needed for listing the organization's projects (the API says: You have insufficient permissions for this operation).`,
        );
        expect(admin.hints[0]).toMatch(/^Give it that permission on the admin keys page/);
      });
    }
  }

  it('several scopes are all named; a 401 without one is a rejected key, a 403 without one a refusal', () => {
    const two = adminFailure(http(403, { error: { message: 'Missing scopes: api.management.read, api.usage.read', code: 'missing_scope' } }), request());
    expect(two.message).toMatch(/lacks the permissions api\.management\.read, api\.usage\.read, needed for/);
    expect(two.hints[0]).toMatch(/^Give it those permissions/);
    expect(adminFailure(http(401, { error: { message: 'Incorrect API key provided: sk-admin-****abcd.', code: 'invalid_api_key' } }), request()).kind).toBe('invalid_key');
    expect(adminFailure(http(403, { error: { message: 'You are not allowed to do that.', code: null } }), request()).kind).toBe('refused');
    // The code counts only where the fact sheets saw it: on a 401 or a 403.
    expect(adminFailure(http(400, { error: { message: 'Missing scopes: api.usage.read', code: 'missing_scope' } }), request()).kind).toBe('refused');
  });
});

describe('the fixes work as printed for admin-key, rotate and spend', () => {
  it('name the profile in `openai-setup admin-key --profile NAME` (none for the default profile)', () => {
    const cases = [
      adminFailure(http(403, { error: 'Missing scopes: api.usage.read. Check your role.' }), request({ key: PROJECT_KEY, profile: 'z' })),
      adminFailure(http(403, { error: 'Missing scopes: api.usage.read. Check your role.' }), request({ profile: 'z' })),
      adminFailure(http(401, { error: { message: 'Incorrect API key provided.', code: 'invalid_api_key' } }), request({ profile: 'z' })),
    ];
    expect(cases.map((e) => e.kind)).toEqual(['needs_admin_key', 'missing_scope', 'invalid_key']);
    for (const error of cases) expect(error.hints.join('\n')).toMatch(/openai-setup admin-key --profile z(?!\S)/);
    const byDefault = adminFailure(http(401, { error: { message: 'Incorrect API key provided.' } }), request({ profile: 'default', bareProfile: 'default' }));
    expect(byDefault.hints[0]).toMatch(/store it:  openai-setup admin-key$/);
    expect(needsAdminKeyFix({ command: adminKeyCommand({ commandName: 'openai-setup', bareProfile: 'default' }, 'work'), how: '' })).toMatch(/openai-setup admin-key --profile work$/);
    // A command without --profile acts on `bareProfile` (after `use work`, or OPENAI_SETUP_PROFILE=work): only that one goes unnamed.
    expect(needsAdminKeyFix({ command: adminKeyCommand({ commandName: 'openai-setup', bareProfile: 'work' }, 'work'), how: '' })).toMatch(/then store it:  openai-setup admin-key$/);
    const otherBare = adminFailure(http(401, { error: { message: 'Incorrect API key provided.' } }), request({ profile: 'default', bareProfile: 'work' }));
    expect(otherBare.hints[0]).toMatch(/store it:  openai-setup admin-key --profile default$/);
    // Not known: named.
    expect(needsAdminKeyFix({ command: adminKeyCommand({ commandName: 'openai-setup' }, 'default'), how: '' })).toMatch(/openai-setup admin-key --profile default$/);
  });

  it('with the admin key from OPENAI_ADMIN_KEY: fix or unset the variable (it would keep overriding a stored key)', () => {
    const rejected = adminFailure(http(401, { error: { message: 'Incorrect API key provided.' } }), request({ profile: 'z', fromEnv: true }));
    expect(rejected.message).toMatch(/^The API rejected the admin key sk-admin-…\S{4} \(from OPENAI_ADMIN_KEY\): it is wrong, revoked or deleted\.$/);
    expect(rejected.hints[0]).toBe(
      'OPENAI_ADMIN_KEY in this shell holds this key, and is used instead of any stored admin key: set it to a working admin key, or unset OPENAI_ADMIN_KEY to use the admin key stored for the profile; to store one:  openai-setup admin-key --profile z',
    );
    expect(rejected.hints.join('\n')).not.toMatch(/Create a new admin key/);
    const project = adminFailure(http(403, { error: 'Missing scopes: api.management.read. x' }), request({ key: PROJECT_KEY, fromEnv: true }));
    expect(project.hints[0]).toMatch(/^OPENAI_ADMIN_KEY in this shell holds this key, .*set it to an admin key \(sk-admin-…\), or unset OPENAI_ADMIN_KEY/);
    const scope = adminFailure(http(403, { error: 'Missing scopes: api.usage.read. x' }), request({ fromEnv: true }));
    expect(scope.hints[0]).toMatch(/^Give it that permission on the admin keys page\. OPENAI_ADMIN_KEY in this shell holds this key/);
  });

  it('never name --base-url or --timeout, which these commands do not have: OPENAI_BASE_URL', () => {
    const transport: Failure[] = [
      { kind: 'timeout' },
      { kind: 'transport', code: 'ENOTFOUND', text: 'getaddrinfo ENOTFOUND' },
      { kind: 'transport', code: 'ECONNREFUSED', text: 'connect ECONNREFUSED' },
      { kind: 'transport', code: 'ERR_BODY_TOO_LARGE', text: '' },
      { kind: 'transport', code: 'Z_DATA_ERROR', text: '' },
      { kind: 'http', status: 302, headers: { get: (name) => (name === 'location' ? 'https://portal.example/login' : null) }, body: '', requestId: null },
      { kind: 'http', status: 200, headers: null, body: '<html>sign in</html>', requestId: null },
      { kind: 'http', status: 502, headers: null, body: '<html>bad gateway</html>', requestId: null },
    ];
    const fixes = transport.map((f) => adminFailure(f, request()).hints.join('\n'));
    for (const fix of fixes) {
      expect(fix).not.toMatch(/--base-url|--timeout/);
    }
    expect(fixes.filter((f) => f.includes('OPENAI_BASE_URL')).length).toBeGreaterThanOrEqual(4);
    // At OpenAI's own API no base URL was set: none named.
    expect(adminFailure(transport[2]!, request()).hints).toEqual(['Check whether a firewall blocks it.']);
    expect(adminFailure(transport[2]!, request({ baseURL: 'https://gw.example/v1' })).hints).toEqual(['Check the OPENAI_BASE_URL, or whether a firewall blocks it.']);
    expect(adminFailure(transport[0]!, request()).hints).toEqual(['Check your connection (a firewall or proxy may be silently dropping it).']);
  });
});

describe('a failed run as --json fields', () => {
  it('ok false, the exit code, a short reason, the message and its fix', () => {
    const api = adminFailure(http(401, { error: { message: 'Incorrect API key provided.' } }), request());
    expect(failureFields(api)).toMatchObject({ ok: false, exitCode: EXIT.keyRejected, reason: 'invalid_key', message: api.message, fix: api.hints.join('\n') });
    expect(failureFields(new UsageError('No.'))).toEqual({ ok: false, exitCode: 2, reason: 'usage', message: 'No.', fix: null });
    expect(failureFields(new KeyStoreError('Locked.', ['Unlock it.']))).toEqual({ ok: false, exitCode: 7, reason: 'key_store', message: 'Locked.', fix: 'Unlock it.' });
    expect(failureFields(new ReasonedExitError(5, 'Wrong project.', [], 'new_key_wrong_project')).reason).toBe('new_key_wrong_project');
    expect(failureFields(new CancelledError())).toMatchObject({ exitCode: 130, reason: 'cancelled' });
    expect(failureFields(new TypeError('x is undefined'))).toMatchObject({ exitCode: 1, reason: 'internal', message: 'Unexpected error (a bug in openai-setup; please report it): x is undefined' });
  });
});
