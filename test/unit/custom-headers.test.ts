// OPENAI_CUSTOM_HEADERS, which the openai Node SDK reads from process.env and sends after its own
// headers: parsed as the SDK parses it (checked against the SDK itself), the key checked always the
// one sent (an Authorization line never replaces it, nor is shown), a refused OpenAI-Project or
// OpenAI-Organization line named with the variable, and doctor naming its headers, never values.
import * as OpenAISdk from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildCheckRequest, customAuthorizationWarning } from '../../src/api/check.js';
import { customHeadersToSend, parseCustomHeaders, passedOn } from '../../src/api/custom-headers.js';
import { clientClass, pinnedHeaders } from '../../src/api/probes.js';
import { strayVariableChecks } from '../../src/commands/doctor.js';
import { UsageError } from '../../src/errors.js';
import { parseEnv } from '../../src/options.js';
import { run as spend } from '../../src/commands/spend.js';
import { createAdminApi } from '../../src/api/admin.js';
import { makeTestContext, type TestContext } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { organizationWith } from '../helpers/rotatable.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const KEY = makeKey('proj', 'unit-custom-headers');
const WRONG = makeKey('proj', 'unit-custom-headers-wrong');

afterEach(() => {
  vi.unstubAllEnvs();
});

/** What the SDK itself makes of the variable: the headers its constructor adds to every request. */
function sdkParsed(value: string): Record<string, string> {
  vi.stubEnv('OPENAI_CUSTOM_HEADERS', value);
  const client = new OpenAISdk.OpenAI({ apiKey: 'k', baseURL: 'http://127.0.0.1:9/v1' });
  const headers = (client as unknown as { _options: { defaultHeaders?: { values: Headers } } })._options.defaultHeaders;
  return Object.fromEntries(headers ? [...headers.values.entries()] : []);
}

const ours = (value: string) => Object.fromEntries(parseCustomHeaders(value).headers.map((h) => [h.lower, h.value]));

describe('parseCustomHeaders reads the variable as the SDK does', () => {
  it.each([
    ['one header', 'OpenAI-Project: proj_zzz'],
    ['lines, spaces and a value with colons', '  X-Title:  my app \nHTTP-Referer: https://example.com:8443/x\n'],
    ['CRLF lines and a line without a colon (skipped)', 'X-A: 1\r\nnot a header\r\nX-B: 2\r\n'],
    ['a name again, in another case: the later wins', 'X-Tag: one\nx-tag: two'],
    ['the same name again', 'X-Tag: one\nX-Other: o\nX-Tag: three'],
    ['an empty value', 'X-Empty:'],
    ['a __proto__ line (dropped by the SDK)', '__proto__: x\nX-A: 1'],
    ['blank', '   '],
  ])('%s', (_name, value) => {
    expect(ours(value)).toEqual(sdkParsed(value));
  });

  it('refuses what the SDK refuses (a name that is no header name), by line, without its text', () => {
    const value = `X-A: 1\nBearer ${WRONG}: x`;
    expect(() => sdkParsed(value)).toThrow(/Header name must be a valid HTTP token/);
    const parsed = parseCustomHeaders(value);
    expect(parsed.problem).toMatch(/^line 2 is not "Name: value" with a header name before the colon/);
    expect(parsed.problem).not.toContain(WRONG.slice(0, 12));
    expect(parsed.headers).toEqual([]);
  });

  it('refuses a value that cannot be sent (control characters, beyond Latin-1), without showing it', () => {
    expect(parseCustomHeaders(`X-A: ${WRONG}\u0007`).problem).toBe('the value on line 1 has control characters or characters beyond Latin-1, which cannot be sent in a header');
    expect(parseCustomHeaders('X-A: проект').problem).toMatch(/^the value on line 1 has/);
    expect(parseCustomHeaders('X-A: a\tb').problem).toBeNull();
  });

  it('passes on every header but the ones the check sets itself', () => {
    const { headers } = parseCustomHeaders('Authorization: Bearer x\nOpenAI-Project: p\nopenai-organization: o\nX-Title: app');
    expect(passedOn(headers)).toEqual({ 'x-title': 'app' });
  });
});

describe('a variable the SDK cannot send: a usage error for a request, naming it, never quoting it; nothing to the commands that send none', () => {
  it('names the line', () => {
    const call = () => customHeadersToSend(`Authorization Bearer ${WRONG}: x`);
    expect(call).toThrow(UsageError);
    expect(call).toThrow(/^OPENAI_CUSTOM_HEADERS: line 1 is not "Name: value"/);
    try {
      call();
    } catch (error) {
      expect((error as Error).message).not.toContain(WRONG.slice(-12));
    }
    expect(parseEnv({ OPENAI_CUSTOM_HEADERS: ' X-Title: app \n' }).OPENAI_CUSTOM_HEADERS).toBe('X-Title: app');
    // The environment as every command reads it: not refused (token, run, status… send nothing through the SDK).
    expect(parseEnv({ OPENAI_CUSTOM_HEADERS: 'Bad Name: 1' }).OPENAI_CUSTOM_HEADERS).toBe('Bad Name: 1');
  });
});

describe('the check sends the key it checks, whatever the variable says', () => {
  let t: TestContext | undefined;
  afterEach(() => t?.cleanup());

  it('buildCheckRequest: an OpenAI-Project / OpenAI-Organization line is the header sent, from the variable (over OPENAI_PROJECT_ID, as in the SDK); no Authorization', () => {
    t = makeTestContext({ env: { OPENAI_PROJECT_ID: 'proj_env', OPENAI_ORG_ID: 'org-env', OPENAI_CUSTOM_HEADERS: `Authorization: Bearer ${WRONG}\nopenai-project: proj_zzz\nX-Title: app` } });
    const request = buildCheckRequest(t.ctx, KEY);
    expect(request.project).toEqual({ value: 'proj_zzz', from: 'OPENAI_CUSTOM_HEADERS' });
    expect(request.organization).toEqual({ value: 'org-env', from: 'OPENAI_ORG_ID' });
    expect(request.headers).toEqual({ 'x-title': 'app' });
    expect(JSON.stringify(request)).not.toContain(WRONG);
  });

  it("the SDK's client, given pinnedHeaders, sends the key and the request's project over the variable's lines", async () => {
    vi.stubEnv('OPENAI_CUSTOM_HEADERS', `Authorization: Bearer ${WRONG}\nOpenAI-Project: proj_zzz\nOpenAI-Organization: org-zzz\nX-Title: app`);
    const sent: Headers[] = [];
    const fetch = async (_url: unknown, init?: { headers?: unknown }) => {
      sent.push(new Headers(init?.headers as Record<string, string>));
      return new Response(JSON.stringify({ object: 'list', data: [] }), { status: 200, headers: { 'content-type': 'application/json' } });
    };
    const request = { project: { value: 'proj_a', from: 'OPENAI_PROJECT_ID' }, headers: { 'x-title': 'app' } };
    const Client = clientClass(OpenAISdk);
    const client = new Client({ apiKey: KEY, baseURL: 'http://127.0.0.1:9/v1', organization: null, project: 'proj_a', maxRetries: 0, fetch, defaultHeaders: pinnedHeaders(KEY, request) });
    await client.models.list();
    expect(sent[0]!.get('authorization')).toBe(`Bearer ${KEY}`);
    expect(sent[0]!.get('openai-project')).toBe('proj_a');
    expect(sent[0]!.get('openai-organization')).toBeNull();
    expect(sent[0]!.get('x-title')).toBe('app');
  });

  it('a warning says programs send the Authorization line instead of their key; nothing of its value', () => {
    expect(customAuthorizationWarning({})).toBeNull();
    expect(customAuthorizationWarning({ OPENAI_CUSTOM_HEADERS: 'X-Title: app' })).toBeNull();
    const warning = customAuthorizationWarning({ OPENAI_CUSTOM_HEADERS: `authorization: Bearer ${WRONG}` });
    expect(warning).toBe(
      'OPENAI_CUSTOM_HEADERS has an Authorization line: openai-setup sends the key it checks instead, but programs using the openai Node SDK send that line in place of their key. Remove the line unless you mean it.',
    );
  });
});

describe('the Admin API: the admin key is sent, whatever the variable says', () => {
  const contexts = trackedContexts();
  it('spend: an Authorization or OpenAI-Project line does not go with the admin key', async () => {
    const admin = makeKey('admin', 'unit-custom-headers-admin');
    vi.stubEnv('OPENAI_CUSTOM_HEADERS', `Authorization: Bearer ${WRONG}\nOpenAI-Project: proj_zzz`);
    const t = contexts.make({ admin: true, keychain: { 'default:admin': admin } });
    organizationWith(t, { admin, project: 'proj_CustomHeaders00000000000', old: KEY });
    const sent: Headers[] = [];
    const real = t.org.fetch;
    t.ctx.api.admin = createAdminApi({
      env: {},
      fetch: async (input, init) => {
        sent.push(new Headers(init?.headers as Record<string, string>));
        return real(input, init);
      },
    });
    expect(await spend(t.ctx, { json: true })).toBe(0);
    expect(sent.length).toBeGreaterThan(0);
    for (const headers of sent) expect([headers.get('authorization'), headers.get('openai-project')]).toEqual([`Bearer ${admin}`, null]);
  });
});

describe("doctor's stray variables: OPENAI_CUSTOM_HEADERS by its header names", () => {
  const custom = (value: string) => strayVariableChecks({ OPENAI_CUSTOM_HEADERS: value }, 'linux').find((c) => c.id === 'OPENAI_CUSTOM_HEADERS');

  it('a warning when it replaces the key, the organization or the project; values never shown', () => {
    const check = custom(`Authorization: Bearer ${WRONG}\nOpenAI-Project: proj_secretish\nX-Title: app`)!;
    expect(check).toMatchObject({ title: 'Custom headers', status: 'warn', fix: 'Fine if you mean it; otherwise:  unset OPENAI_CUSTOM_HEADERS' });
    expect(check.detail).toBe(
      'OPENAI_CUSTOM_HEADERS adds Authorization, OpenAI-Project, X-Title to every request of the openai Node SDK (values not shown); its Authorization replaces the key programs send (openai-setup checks the key itself); a key from another project gets mismatched_project',
    );
    expect(JSON.stringify(check)).not.toMatch(/proj_secretish|Bearer/);
  });

  it('information for other headers; a key-shaped name masked; nothing when unset or blank', () => {
    expect(custom('X-Title: app')).toMatchObject({ status: 'info', fix: null });
    expect(custom(`${KEY}: x`)!.detail).not.toContain(KEY.slice(8, 40));
    expect(custom('  ')).toBeUndefined();
    expect(strayVariableChecks({}, 'linux')).toEqual([]);
  });
});
