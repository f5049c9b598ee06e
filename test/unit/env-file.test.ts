// The pure parts of `openai-setup env`: editing the OPENAI_API_KEY line byte for byte (the corners,
// read back by real readers, are in dotenv.test.ts), .gitignore patterns, the real file behind
// links, and what git says about a file (against real throw-away repositories).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitignorePattern } from '../../src/commands/env.js';
import { gitRunner, gitVerdict, realTarget } from '../../src/plaintext/env-files.js';
import { appendLine, setVariable } from '../../src/keys/dotenv.js';

const KEY = 'sk-proj-NEWKEY0123456789abcdefghij';

describe('setVariable', () => {
  it('creates the line in an empty file', () => {
    expect(setVariable('', 'OPENAI_API_KEY', KEY)).toEqual({ text: `OPENAI_API_KEY=${KEY}\n`, replaced: 0, appended: true, previous: [] });
  });

  it('replaces only the value, keeping every other byte', () => {
    const before = '# my app\nDEBUG=1\nOPENAI_API_KEY=sk-old\n\n# trailing comment\nOTHER="x y"\n';
    const after = setVariable(before, 'OPENAI_API_KEY', KEY);
    expect(after).toMatchObject({ replaced: 1, appended: false });
    expect(after.text).toBe(`# my app\nDEBUG=1\nOPENAI_API_KEY=${KEY}\n\n# trailing comment\nOTHER="x y"\n`);
  });

  it('keeps CRLF line endings, and uses them for an appended line', () => {
    expect(setVariable('A=1\r\nOPENAI_API_KEY=old\r\nB=2\r\n', 'OPENAI_API_KEY', KEY).text).toBe(`A=1\r\nOPENAI_API_KEY=${KEY}\r\nB=2\r\n`);
    expect(setVariable('A=1\r\nB=2', 'OPENAI_API_KEY', KEY).text).toBe(`A=1\r\nB=2\r\nOPENAI_API_KEY=${KEY}\r\n`);
  });

  it('appends after a last line without a newline, and keeps the file otherwise as it was', () => {
    expect(setVariable('A=1', 'OPENAI_API_KEY', KEY).text).toBe(`A=1\nOPENAI_API_KEY=${KEY}\n`);
    expect(setVariable('OPENAI_API_KEY=old', 'OPENAI_API_KEY', KEY).text).toBe(`OPENAI_API_KEY=${KEY}`);
  });

  it('keeps export, indentation, spacing, quotes and a trailing comment', () => {
    expect(setVariable('export OPENAI_API_KEY="old" # for the app\n', 'OPENAI_API_KEY', KEY).text).toBe(`export OPENAI_API_KEY="${KEY}" # for the app\n`);
    expect(setVariable("  OPENAI_API_KEY = 'old'\n", 'OPENAI_API_KEY', KEY).text).toBe(`  OPENAI_API_KEY = '${KEY}'\n`);
    expect(setVariable('OPENAI_API_KEY=old # note\n', 'OPENAI_API_KEY', KEY).text).toBe(`OPENAI_API_KEY=${KEY} # note\n`);
    expect(setVariable('OPENAI_API_KEY=\n', 'OPENAI_API_KEY', KEY).text).toBe(`OPENAI_API_KEY=${KEY}\n`);
  });

  it('sets every assignment (dotenv readers take the last) and leaves comments and look-alikes alone', () => {
    const before = '# OPENAI_API_KEY=commented\nOPENAI_API_KEY=a\nMY_OPENAI_API_KEY=keep\nOPENAI_API_KEY_2=keep\nOPENAI_API_KEY=b\n';
    expect(setVariable(before, 'OPENAI_API_KEY', KEY).text).toBe(
      `# OPENAI_API_KEY=commented\nOPENAI_API_KEY=${KEY}\nMY_OPENAI_API_KEY=keep\nOPENAI_API_KEY_2=keep\nOPENAI_API_KEY=${KEY}\n`,
    );
  });

  it('survives a BOM and bytes that are not UTF-8 (files are edited as latin1)', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('OPENAI_API_KEY=old\nNAME=caf'), Buffer.from([0xe9, 0xff]), Buffer.from('\n')]);
    const after = Buffer.from(setVariable(bytes.toString('latin1'), 'OPENAI_API_KEY', KEY).text, 'latin1');
    // Node's --env-file and python-dotenv keep the BOM in the first name: the key is added for them too.
    const expected = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`OPENAI_API_KEY=${KEY}\nNAME=caf`), Buffer.from([0xe9, 0xff]), Buffer.from(`\nOPENAI_API_KEY=${KEY}\n`)]);
    expect(after.equals(expected)).toBe(true);
  });
});

describe('.gitignore lines', () => {
  it('anchors the path and escapes what gitignore treats specially', () => {
    expect(gitignorePattern('.env')).toBe('/.env');
    expect(gitignorePattern('app/.env.local')).toBe('/app/.env.local');
    expect(gitignorePattern('#weird[1]*.env ')).toBe('/#weird\\[1\\]\\*.env\\ ');
  });

  it('appends on a line of its own, with the file\'s line ending', () => {
    expect(appendLine('', '/.env')).toBe('/.env\n');
    expect(appendLine('node_modules/', '/.env')).toBe('node_modules/\n/.env\n');
    expect(appendLine('dist/\r\n', '/.env')).toBe('dist/\r\n/.env\r\n');
  });
});

describe('gitVerdict', () => {
  let root: string;
  const git = gitRunner({ PATH: process.env.PATH, HOME: tmpdir(), GIT_CONFIG_NOSYSTEM: '1' });
  const sh = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: { PATH: process.env.PATH, HOME: cwd, GIT_CONFIG_NOSYSTEM: '1' }, stdio: 'pipe' });

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'openai-setup-git-'));
    const repo = join(root, 'repo');
    mkdirSync(join(repo, 'sub'), { recursive: true });
    sh(repo, 'init', '-q');
    writeFileSync(join(repo, '.gitignore'), '.env.ignored\n');
    writeFileSync(join(repo, '.env.tracked'), 'A=1\n');
    sh(repo, 'add', '.env.tracked', '.gitignore');
    sh(repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'init');
    mkdirSync(join(root, 'plain'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('tells tracked, ignored and exposed files apart, with the path from the repository root', async () => {
    const repo = join(root, 'repo');
    expect(await gitVerdict(git, repo, '.env.tracked')).toMatchObject({ kind: 'tracked', path: '.env.tracked' });
    expect(await gitVerdict(git, repo, '.env.ignored')).toMatchObject({ kind: 'ignored' });
    expect(await gitVerdict(git, join(repo, 'sub'), '.env')).toMatchObject({ kind: 'exposed', path: 'sub/.env' });
  });

  it('says when there is no repository, or no git at all', async () => {
    expect(await gitVerdict(git, join(root, 'plain'), '.env')).toEqual({ kind: 'no-repo' });
    const noGit = gitRunner({ PATH: join(root, 'plain') });
    expect(await gitVerdict(noGit, join(root, 'plain'), '.env')).toEqual({ kind: 'no-git' });
  });
});

describe('realTarget', () => {
  let root: string;
  beforeAll(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'openai-setup-links-')));
    mkdirSync(join(root, 'a'));
    mkdirSync(join(root, 'b'));
    writeFileSync(join(root, 'b', 'real.env'), 'A=1\n');
    symlinkSync('../b/real.env', join(root, 'a', 'file-link'));
    symlinkSync('file-link', join(root, 'a', 'chain'));
    symlinkSync('../b', join(root, 'a', 'dir-link'));
    symlinkSync('../b/not-yet.env', join(root, 'a', 'dangling'));
    symlinkSync('../nowhere/x.env', join(root, 'a', 'no-dir'));
    symlinkSync('loop-2', join(root, 'a', 'loop-1'));
    symlinkSync('loop-1', join(root, 'a', 'loop-2'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('follows the links of the file and of its directories, one after another', async () => {
    const real = join(root, 'b', 'real.env');
    expect(await realTarget(join(root, 'b', 'real.env'))).toEqual({ file: real });
    expect(await realTarget(join(root, 'a', 'file-link'))).toEqual({ file: real });
    expect(await realTarget(join(root, 'a', 'chain'))).toEqual({ file: real });
    expect(await realTarget(join(root, 'a', 'dir-link', 'real.env'))).toEqual({ file: real });
  });

  it('a link to a file not there yet leads to it; a missing directory is named', async () => {
    expect(await realTarget(join(root, 'a', 'dangling'))).toEqual({ file: join(root, 'b', 'not-yet.env') });
    expect(await realTarget(join(root, 'a', 'new.env'))).toEqual({ file: join(root, 'a', 'new.env') });
    expect(await realTarget(join(root, 'a', 'no-dir'))).toEqual({ missing: join(root, 'nowhere') });
    expect(await realTarget(join(root, 'missing', '.env'))).toEqual({ missing: join(root, 'missing') });
  });

  it('a loop of links is a usage error', async () => {
    await expect(realTarget(join(root, 'a', 'loop-1'))).rejects.toThrow(/too many symbolic links/);
  });
});
