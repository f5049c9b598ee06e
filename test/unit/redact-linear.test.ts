// Long text where keys are masked and found: what is shown of a long line (the DEBUG log, import's
// diff) is cut after the key is masked, never inside a run of key characters, with a note of what
// was left out; and the patterns rewritten to read a line in one pass still find, mask and parse
// what they did. That they finish on megabytes is test/e2e/long-text.test.ts (child processes with a
// time limit: a pattern that backtracks blocks its thread, and no unit test could stop it).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sdkLogger } from '../../src/api/http.js';
import { defaultDeps, runImport } from '../../src/commands/import.js';
import { MAX_SHOWN_LINE, redact, redactedExcerpt } from '../../src/keys/redact.js';
import { planEdit } from '../../src/plaintext/edit.js';
import { findKeys } from '../../src/plaintext/find.js';
import { scanPlaces } from '../../src/plaintext/scan.js';
import { MAX_UNTRUSTED_LENGTH, sanitize, withoutUrlLogins } from '../../src/terminal/sanitize.js';
import { checkResult, makeTestContext } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const KEY = makeKey('proj', 'unit-redact-linear');
const BODY = KEY.slice('sk-proj-'.length);
const LAST4 = KEY.slice(-4);
// A gateway token: no key shape, so only the terminal (which is told it) masks it, after the cut.
const TOKEN = 'gw_tokenQ7w2E9r4T1yU3ip0O5l8K3j6';

describe('redactedExcerpt: masked, then cut with a note', () => {
  it('a short line is only masked', () => {
    expect(redactedExcerpt(`key ${KEY} ok`)).toBe(`key sk-proj-…${LAST4} ok`);
    expect(redactedExcerpt(`token ${TOKEN}`, [TOKEN])).toBe('token gw_…K3j6');
  });

  it('a long line is cut to the limit, and says how much was left out', () => {
    const line = `${'word '.repeat(2000)}end`;
    const shown = redactedExcerpt(line, [], 100);
    expect(shown).toBe(`${'word '.repeat(20)}… (${line.length - 100} more characters)`);
  });

  it('masks before it cuts: a key across the cut is masked whole, not cut into a piece the masking would miss', () => {
    // The key runs from 80 to 244, past the cut at 100; masked, it ends at 93.
    const line = `${'x '.repeat(40)}${KEY} ${'y '.repeat(100)}`;
    expect(redactedExcerpt(line, [], 100)).toBe(`${'x '.repeat(40)}sk-proj-…${LAST4} y y y … (194 more characters)`);
    // A mask across the cut goes whole.
    expect(redactedExcerpt(line, [], 90)).toBe(`${'x '.repeat(40)}… (214 more characters)`);
  });

  it('never cuts inside a run of key characters: a token only the terminal knows is not left half shown', () => {
    const line = `${'x '.repeat(49)}${TOKEN} and more`;
    // The cut at 100 falls 2 characters into the token: the whole run goes, and so nothing of it is shown.
    const shown = redactedExcerpt(line, [], 100);
    expect(shown).toBe(`${'x '.repeat(49)}… (${line.length - 98} more characters)`);
    // A long run (an answer of "AAAA…") goes whole too.
    expect(redactedExcerpt(`message: ${'A'.repeat(10_000)}`, [], 100)).toBe('message: … (10000 more characters)');
  });

  it('never leaves half of a surrogate pair at the cut', () => {
    expect(redactedExcerpt('😀'.repeat(100), [], 9)).toBe(`${'😀'.repeat(4)}… (192 more characters)`);
  });
});

describe('the DEBUG log (sdkLogger): one bounded line per call', () => {
  it('a long answer is logged cut to a few KB, with a note, the login of a URL and a key-shaped text gone', () => {
    const lines: string[] = [];
    const logger = sdkLogger('openai', (line) => lines.push(line));
    logger.debug('response error', { url: 'http://user:hunter2@127.0.0.1:9/v1/models', status: 400, message: `bad key ${KEY} ${'A '.repeat(10_000)}` });
    expect(lines).toHaveLength(1);
    const [line] = lines as [string];
    expect(line.length).toBeLessThanOrEqual(MAX_SHOWN_LINE + '… (20000 more characters)'.length);
    expect(line).toMatch(/^\[openai debug\] response error \{"url":"http:\/\/127\.0\.0\.1:9\/v1\/models","status":400,"message":"bad key sk-proj-…\S{4} (A )+… \(\d+ more characters\)$/);
    expect(line).not.toContain('hunter2');
    expect(line).not.toContain(BODY.slice(0, 12));
  });

  it('a short line is logged whole', () => {
    const lines: string[] = [];
    sdkLogger('openai admin', (line) => lines.push(line)).info('get /v1/organization/projects succeeded');
    expect(lines).toEqual(['[openai admin info] get /v1/organization/projects succeeded']);
  });
});

describe('import: a long line is shown cut in the diff, the key masked', () => {
  const contexts = trackedContexts();

  it('--store ~/.bashrc:1 --rewrite --yes on a line of 30,000 characters: both lines of the diff cut, the file changed whole', async () => {
    const t = contexts.make({ interactive: false });
    t.api.answerEveryCheck(() => checkResult('valid', { billing: 'unchecked' }));
    const home = join(dirname(t.cwd), 'home');
    mkdirSync(home);
    t.ctx.rawEnv.HOME = home;
    const comment = ` # ${'note '.repeat(6000)}`;
    const bashrc = join(home, '.bashrc');
    writeFileSync(bashrc, `export OPENAI_API_KEY="${KEY}"${comment}\n`);
    const deps = { places: defaultDeps().places, fish: async () => ({ ok: false, missing: true, detail: 'no fish here' }) };
    expect(await runImport(t.ctx, { check: false, json: false, rewrite: true, yes: true, store: '~/.bashrc:1' }, deps)).toBe(0);
    const removed = t.stdout.split('\n').find((l) => l.startsWith('  - '));
    const added = t.stdout.split('\n').find((l) => l.startsWith('  + '));
    expect(removed).toMatch(new RegExp(`^  - export OPENAI_API_KEY="sk-proj-…${LAST4}" # (?:note ?)+… \\(\\d+ more characters\\)$`));
    expect(added).toMatch(/^ {2}\+ OPENAI_API_KEY="\$\(openai-setup token\)"; export OPENAI_API_KEY # (?:note ?)+… \(\d+ more characters\)$/);
    for (const line of [removed!, added!]) expect(line.length).toBeLessThanOrEqual('  - '.length + MAX_UNTRUSTED_LENGTH + '… (30000 more characters)'.length);
    expect(t.stdout + t.stderr).not.toContain(BODY.slice(0, 12));
    // Only what is shown is cut: the line in the file keeps all of its comment.
    expect(readFileSync(bashrc, 'utf8')).toBe(`OPENAI_API_KEY="$(openai-setup token)"; export OPENAI_API_KEY${comment}\n`);
    expect(t.keychain.keyOf('default')).toBe(KEY);
  });
});

describe('the patterns rewritten to read a line in one pass mask, find and parse as before', () => {
  it('redact: a bare key in a long run, many markers, a marker too near either end of its run', () => {
    expect(redact(`${'A'.repeat(3000)}${BODY}`)).toBe(`…${LAST4}`);
    expect(redact(`x ${BODY} ${'T3BlbkFJ'.repeat(500)} y`)).toBe(`x …${LAST4} …bkFJ y`);
    // Fewer than eight key characters on one side of the marker: not a key, left alone.
    expect(redact('ab-1234T3BlbkFJ12345678 12345678T3BlbkFJ1234567')).toBe('ab-1234T3BlbkFJ12345678 12345678T3BlbkFJ1234567');
    expect(redact('a.12345678T3BlbkFJ12345678.b')).toBe('a.…5678.b');
    expect(redact(`say proj-${'a1'.repeat(20)} and sk-proj-${'b2'.repeat(20)}`)).toBe(`say …a1a1 and sk-proj-…b2b2`);
  });

  it('findKeys: a name, blanks or `=`/`:` and quotes, then the key', () => {
    const unmarked = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ';
    for (const line of [`OPENAI_API_KEY     ${unmarked}`, `OPENAI_API_KEY = "${unmarked}"`, `"apiKey"  :  "${unmarked}"`, `api_key:${unmarked}`, `OPENAI_API_KEY\t\t'${unmarked}'`]) {
      expect(findKeys(line).map((f) => f.key), line).toEqual([unmarked]);
    }
    expect(findKeys(`OPENAI_API_KEY${' '.repeat(5000)}`)).toEqual([]);
    expect(findKeys(`OPENAI_API_KEY${unmarked}`)).toEqual([]);
  });

  it('the variable of a fish `set` with flags, and of a YAML list item', async () => {
    const t = makeTestContext({ interactive: false });
    try {
      const fish = join(t.cwd, 'config.fish');
      const yaml = join(t.cwd, 'config.yaml');
      writeFileSync(fish, `set -gx --universal OPENAI_API_KEY ${KEY}\nset ${'--a '.repeat(40)}${KEY}\n`);
      writeFileSync(yaml, `  - openai_key: ${KEY}\n${' '.repeat(5000)}${KEY}\n`);
      const found = (await scanPlaces([
        { path: fish, kind: 'fish' },
        { path: yaml, kind: 'tool', tool: 'aider' },
      ])).findings.map((f) => [f.line, f.variable]);
      expect(found).toEqual([
        [1, 'OPENAI_API_KEY'],
        [2, null],
        [1, 'openai_key'],
        [2, null],
      ]);
    } finally {
      await t.cleanup();
    }
  });

  it('planEdit: blanks and `;` after the key, and a fish `set` with flags', () => {
    const finding = (kind: 'posix-shell' | 'fish') => ({ path: 'x', line: 1, kind, key: KEY, variable: 'OPENAI_API_KEY', utf16: false });
    expect(planEdit(finding('posix-shell'), `export OPENAI_API_KEY=${KEY}  ;  # mine`, 'openai-setup token')).toMatchObject({ kind: 'line', after: 'OPENAI_API_KEY="$(openai-setup token)"; export OPENAI_API_KEY  ;  # mine' });
    expect(planEdit(finding('posix-shell'), `export OPENAI_API_KEY=${KEY}${' '.repeat(5000)}x`, 'openai-setup token')).toMatchObject({ kind: 'manual' });
    expect(planEdit(finding('fish'), `set --global --export OPENAI_API_KEY ${KEY}`, 'openai-setup token')).toMatchObject({ kind: 'line', after: 'set --global --export OPENAI_API_KEY (openai-setup token)' });
    expect(planEdit(finding('fish'), `set ${'--a '.repeat(40)}OPENAI_API_KEY ${KEY} x`, 'openai-setup token')).toMatchObject({ kind: 'manual' });
  });

  it('sanitize: line breaks with the blanks around them become one space; a run of blanks without one stays', () => {
    expect(sanitize('a  \t\r\n \n\t b')).toBe('a b');
    expect(sanitize(`a${' '.repeat(3000)}b`, 5000)).toBe(`a${' '.repeat(3000)}b`);
  });

  it('withoutUrlLogins: the login of every URL, whatever the scheme, and nothing else', () => {
    expect(withoutUrlLogins('see git+ssh://me:pw@host/x and HTTP://a:b@c.d/ and x.y-z://u@h')).toBe('see git+ssh://host/x and HTTP://c.d/ and x.y-z://h');
    expect(withoutUrlLogins('mail me@host, or 1://u:p@h, or a.b.c.d.e')).toBe('mail me@host, or 1://u:p@h, or a.b.c.d.e');
    // Text with no blanks around the URL: the login goes, the path and what follows it stay.
    expect(withoutUrlLogins('upstream=http://svc:pw@backend.internal:8080/v1/chat,owner=ops@corp.example,region=us')).toBe('upstream=http://backend.internal:8080/v1/chat,owner=ops@corp.example,region=us');
    expect(withoutUrlLogins('{"url":"https://u:p@api.example/v1","by":"me@x.example"}')).toBe('{"url":"https://api.example/v1","by":"me@x.example"}');
    // A password with "@" and "/" in it still goes whole.
    expect(withoutUrlLogins('via http://alice:p@ss/w0rd@proxy.example.com:3128 now')).toBe('via http://proxy.example.com:3128 now');
  });
});
