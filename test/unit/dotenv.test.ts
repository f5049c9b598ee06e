// Setting OPENAI_API_KEY in .env files whose other variables hold quotes across lines, escapes,
// comments, CRLF, a BOM: each written file is read back by real readers (the dotenv package, both
// of its parsers, and Node's own --env-file) and compared with what they read from the original.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import dotenv from 'dotenv';
import { afterAll, describe, expect, it } from 'vitest';
import { AmbiguousEnvFile, assignments, READERS, setVariable } from '../../src/keys/dotenv.js';

const KEY = 'sk-proj-NEWKEY_0123456789-abcdefghijklmnopqrstuvwxyzABCDEFGH';
const NAME = 'OPENAI_API_KEY';
const BOM = '\xEF\xBB\xBF';
const run = promisify(execFile);

const dir = mkdtempSync(join(tmpdir(), 'openai-setup-dotenv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Vars = Record<string, string>;
let files = 0;

/** What each reader makes of `text` (latin1, as the command handles files), as the bytes on disk. */
async function readers(text: string): Promise<Record<string, Vars>> {
  const bytes = Buffer.from(text, 'latin1');
  const file = join(dir, `${files++}.env`);
  writeFileSync(file, bytes);
  // An empty environment, so that everything printed came from the file.
  const node = await run(process.execPath, [`--env-file=${file}`, '-e', 'process.stdout.write(JSON.stringify(process.env))'], { env: {} });
  return {
    dotenv: dotenv.parse(bytes),
    'dotenv (fast)': dotenv.parse(bytes, { fast: true }),
    [`node ${process.version} --env-file`]: JSON.parse(node.stdout) as Vars,
  };
}

/** A reader that keeps a BOM sees `\uFEFFOPENAI_API_KEY` on a first line: the same variable here. */
const isKeyName = (name: string) => name.replace(/^\uFEFF/, '') === NAME;
const others = (vars: Vars) => Object.fromEntries(Object.entries(vars).filter(([name]) => !isKeyName(name)));

interface Fixture {
  name: string;
  before: string;
  after: string;
}

const FIXTURES: Fixture[] = [
  {
    name: 'a multi-line double-quoted PEM holding an OPENAI_API_KEY= line, and no real one: a line is added',
    before: 'A=1\nPEM="-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASC\nOPENAI_API_KEY=sk-inside-the-pem\n-----END PRIVATE KEY-----"\nB=2\n',
    after: `A=1\nPEM="-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASC\nOPENAI_API_KEY=sk-inside-the-pem\n-----END PRIVATE KEY-----"\nB=2\n${NAME}=${KEY}\n`,
  },
  {
    name: 'the same PEM before a real assignment: only the real one changes',
    before: 'PEM="-----BEGIN-----\nOPENAI_API_KEY=sk-inside\n-----END-----"\nOPENAI_API_KEY=sk-old\nZ=9\n',
    after: `PEM="-----BEGIN-----\nOPENAI_API_KEY=sk-inside\n-----END-----"\nOPENAI_API_KEY=${KEY}\nZ=9\n`,
  },
  {
    name: "a single-quoted multi-line prompt holding an OPENAI_API_KEY= line",
    before: "PROMPT='You are terse.\nOPENAI_API_KEY=not-this-one\nSay \"hi\".'\nOPENAI_API_KEY='sk-old'\n",
    after: `PROMPT='You are terse.\nOPENAI_API_KEY=not-this-one\nSay "hi".'\nOPENAI_API_KEY='${KEY}'\n`,
  },
  {
    name: 'an old value with an escaped quote: the whole value goes, the comment stays',
    before: 'export OPENAI_API_KEY="sk-old\\"tail" # mine\nNEXT=1\n',
    after: `export OPENAI_API_KEY="${KEY}" # mine\nNEXT=1\n`,
  },
  {
    name: 'another value with escaped quotes, on one line',
    before: 'GREETING="say \\"hi\\"" # quoted\nOPENAI_API_KEY=sk-old\n',
    after: `GREETING="say \\"hi\\"" # quoted\nOPENAI_API_KEY=${KEY}\n`,
  },
  {
    name: 'export before names',
    before: 'export OPENAI_API_KEY=sk-old\nexport OTHER="x y"\n',
    after: `export OPENAI_API_KEY=${KEY}\nexport OTHER="x y"\n`,
  },
  {
    name: 'CRLF line endings, also inside a quoted value',
    before: 'A=1\r\nPEM="line one\r\nOPENAI_API_KEY=inner\r\n"\r\nOPENAI_API_KEY=sk-old # c\r\nB=2\r\n',
    after: `A=1\r\nPEM="line one\r\nOPENAI_API_KEY=inner\r\n"\r\nOPENAI_API_KEY=${KEY} # c\r\nB=2\r\n`,
  },
  {
    name: 'CRLF with no assignment: the added line ends in CRLF',
    before: 'A=1\r\nB="x\r\ny"',
    after: `A=1\r\nB="x\r\ny"\r\n${NAME}=${KEY}\r\n`,
  },
  {
    name: 'a BOM before OPENAI_API_KEY: replaced, and added at the end for readers that keep the BOM in the name',
    before: `${BOM}OPENAI_API_KEY=sk-old\nA=1\n`,
    after: `${BOM}OPENAI_API_KEY=${KEY}\nA=1\n${NAME}=${KEY}\n`,
  },
  {
    name: 'a BOM before another variable',
    before: `${BOM}DEBUG=1\nOPENAI_API_KEY=sk-old\n`,
    after: `${BOM}DEBUG=1\nOPENAI_API_KEY=${KEY}\n`,
  },
  {
    name: 'comments after values, and commented-out assignments',
    before: '# OPENAI_API_KEY=commented\nOPENAI_API_KEY=sk-old # mine\nA=x # not part of A\nB="y" # nor of B\n  # OPENAI_API_KEY=indented comment\n',
    after: `# OPENAI_API_KEY=commented\nOPENAI_API_KEY=${KEY} # mine\nA=x # not part of A\nB="y" # nor of B\n  # OPENAI_API_KEY=indented comment\n`,
  },
  {
    name: 'a tab before the comment becomes a space, so that every reader ends the value there',
    before: 'OPENAI_API_KEY=sk-old\t# tab\nA=1\n',
    after: `OPENAI_API_KEY=${KEY} # tab\nA=1\n`,
  },
  {
    name: 'no final newline',
    before: 'A=1\nOPENAI_API_KEY=sk-old',
    after: `A=1\nOPENAI_API_KEY=${KEY}`,
  },
  {
    name: 'no final newline after a quoted multi-line value: a line is added after it',
    before: 'A="x\ny"',
    after: `A="x\ny"\n${NAME}=${KEY}\n`,
  },
  {
    name: 'duplicates: every real one is set',
    before: 'OPENAI_API_KEY=sk-a\nX=1\nOPENAI_API_KEY="sk-b"\n',
    after: `OPENAI_API_KEY=${KEY}\nX=1\nOPENAI_API_KEY="${KEY}"\n`,
  },
  {
    name: 'an empty file',
    before: '',
    after: `${NAME}=${KEY}\n`,
  },
  {
    name: 'a heredoc-looking value: .env files have no heredocs, so the line inside is real to every reader',
    before: 'SCRIPT=<<EOF\nOPENAI_API_KEY=sk-in-heredoc\nEOF\nB=2\n',
    after: `SCRIPT=<<EOF\nOPENAI_API_KEY=${KEY}\nEOF\nB=2\n`,
  },
  {
    name: 'a heredoc inside a double-quoted value: the line inside is not',
    before: 'SCRIPT="cat <<EOF\nOPENAI_API_KEY=sk-in-heredoc\nEOF"\nB=2\n',
    after: `SCRIPT="cat <<EOF\nOPENAI_API_KEY=sk-in-heredoc\nEOF"\nB=2\n${NAME}=${KEY}\n`,
  },
  {
    name: 'backticks (not quotes to every reader) are dropped',
    before: 'OPENAI_API_KEY=`sk-old` # c\nA=1\n',
    after: `OPENAI_API_KEY=${KEY} # c\nA=1\n`,
  },
  {
    // Double quotes there would end D's value to python-dotenv, which takes \\" as an escaped quote.
    name: 'backticks after a value ending in an escaped backslash: no quote is added',
    before: 'D="C:\\\\d\\\\"\nOPENAI_API_KEY=`sk-old`\n',
    after: `D="C:\\\\d\\\\"\nOPENAI_API_KEY=${KEY}\n`,
  },
  {
    name: 'spacing around =, indentation, an empty value, JSON in single quotes',
    before: `  OPENAI_API_KEY = 'sk-old'\nCONFIG='{"a": "b=c", "d": [1]}'\nOPENAI_API_KEY=\n`,
    after: `  OPENAI_API_KEY = '${KEY}'\nCONFIG='{"a": "b=c", "d": [1]}'\nOPENAI_API_KEY=${KEY}\n`,
  },
  {
    name: 'an old value with a # inside, and look-alike names',
    before: 'OPENAI_API_KEY=sk-old#frag\nMY_OPENAI_API_KEY=keep\nOPENAI_API_KEY_2=keep\n',
    after: `OPENAI_API_KEY=${KEY}\nMY_OPENAI_API_KEY=keep\nOPENAI_API_KEY_2=keep\n`,
  },
  {
    name: 'bytes that are not UTF-8 around it',
    before: 'NAME=caf\xE9\xFF\nOPENAI_API_KEY=sk-old\nOTHER="\xE9\n\xFF"\n',
    after: `NAME=caf\xE9\xFF\nOPENAI_API_KEY=${KEY}\nOTHER="\xE9\n\xFF"\n`,
  },
];

describe('setVariable: every other byte stays, and every reader reads the key', () => {
  it.each(FIXTURES)('$name', async ({ before, after }) => {
    const result = setVariable(before, NAME, KEY);
    expect(result.text).toBe(after);

    const [was, now] = await Promise.all([readers(before), readers(result.text)]);
    for (const reader of Object.keys(now)) {
      const keys = Object.entries(now[reader]!).filter(([name]) => isKeyName(name));
      expect(keys.length, `${reader} reads ${NAME}`).toBeGreaterThan(0);
      for (const [name, value] of keys) expect(value, `${reader}: ${JSON.stringify(name)}`).toBe(KEY);
      expect(others(now[reader]!), `${reader}: the other variables`).toEqual(others(was[reader]!));
    }
    // Setting it again changes nothing.
    expect(setVariable(result.text, NAME, KEY)).toMatchObject({ text: result.text, appended: false });
  });

  it('says what it did: how many assignments it replaced (and their values), and whether it added one', () => {
    expect(setVariable('', NAME, KEY)).toEqual({ text: `${NAME}=${KEY}\n`, replaced: 0, appended: true, previous: [] });
    expect(setVariable('A=1\nOPENAI_API_KEY=a\nOPENAI_API_KEY=b\n', NAME, KEY)).toMatchObject({ replaced: 2, appended: false, previous: ['a', 'b'] });
    // The values replaced as a reader takes them: without quotes or the blanks before a comment; each once.
    expect(setVariable(`OPENAI_API_KEY="sk-a" # x\nOPENAI_API_KEY='sk-a'\nOPENAI_API_KEY=sk-b  # y\n`, NAME, KEY)).toMatchObject({ previous: ['sk-a', 'sk-b'] });
    expect(setVariable(`${BOM}OPENAI_API_KEY=a\n`, NAME, KEY)).toMatchObject({ replaced: 1, appended: true });
    // `NAME: value` is an assignment to dotenv and docker compose only.
    expect(setVariable('OPENAI_API_KEY: sk-old\n', NAME, KEY)).toEqual({ text: `OPENAI_API_KEY: ${KEY}\n${NAME}=${KEY}\n`, replaced: 1, appended: true, previous: ['sk-old'] });
  });

  it('takes only values every reader keeps as they are', () => {
    expect(() => setVariable('', NAME, 'sk-$HOME')).toThrow();
    expect(() => setVariable('', NAME, 'a b')).toThrow();
  });
});

describe('files the readers disagree about are not edited', () => {
  const AMBIGUOUS: Array<{ name: string; text: string; line: number }> = [
    {
      // Node's --env-file has no escapes: to it the value ends at \" and the next line is real.
      name: 'an escaped quote in a multi-line value above the line',
      text: 'MSG="say \\"\nOPENAI_API_KEY=sk-inner\n"\nA=1\n',
      line: 2,
    },
    {
      // Backticks quote for dotenv and Node, not for python-dotenv or docker compose.
      name: 'a multi-line backtick value around the line',
      text: 'A=`x\nOPENAI_API_KEY=sk-inner\n`\n',
      line: 2,
    },
    {
      // A Windows path's last backslash escapes the quote to python-dotenv and docker compose,
      // whose value then runs on to the next quote.
      name: 'a value ending in a backslash before the line',
      text: 'DIR="C:\\tmp\\"\nOPENAI_API_KEY=sk-old\nB="x"\n',
      line: 2,
    },
    {
      // dotenv lets a value start on a later line after `NAME=` alone: the quoted lines are A's to it.
      name: 'an empty value followed by a quoted line',
      text: 'A=\n"x\nOPENAI_API_KEY=sk-old\n"\n',
      line: 3,
    },
    {
      // docker compose reads C=1 after the closing quote; dotenv takes the whole line as the value.
      name: 'more after a closing quote',
      text: 'OPENAI_API_KEY="sk-old" C=1\n',
      line: 1,
    },
    {
      // Old Mac line endings: Node drops a lone CR, which joins the two lines into A's value.
      name: 'a lone CR before the line',
      text: 'A=1\rOPENAI_API_KEY=sk-old\n',
      line: 2,
    },
    {
      // Node 20 keeps a tab before a value: to it this value is not quoted, and the next line is real.
      name: 'a tab before a multi-line quoted value',
      text: 'A=\t"x\nOPENAI_API_KEY=sk-inner\n"\n',
      line: 2,
    },
  ];

  it.each(AMBIGUOUS)('$name', ({ text, line }) => {
    let error: unknown;
    try {
      setVariable(text, NAME, KEY);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AmbiguousEnvFile);
    expect((error as AmbiguousEnvFile).line).toBe(line);
  });
});

describe('assignments: where each reader ends a value', () => {
  const spans = (text: string, reader: keyof typeof READERS) => assignments(text, READERS[reader]).map((a) => [a.name, text.slice(a.valueStart, a.valueEnd)]);

  it('an escaped quote: dotenv, python-dotenv and docker compose go on, Node stops', () => {
    const text = 'A="x\\"y" # c\nB=1\n';
    for (const reader of ['dotenv', 'python', 'compose'] as const) expect(spans(text, reader)).toEqual([['A', '"x\\"y"'], ['B', '1']]);
    expect(spans(text, 'node')).toEqual([['A', '"x\\"'], ['B', '1']]);
  });

  it('dotenv takes a closing quote only where the rest of the line is blank or a comment', () => {
    expect(spans('A="x" y\nB=1\n', 'dotenv')).toEqual([['A', '"x" y'], ['B', '1']]);
    expect(spans('A="x" y\nB=1\n', 'node')).toEqual([['A', '"x"'], ['B', '1']]);
  });

  it('dotenv: after `NAME=` alone, a quoted value may start on a later line', () => {
    const text = 'A=\n\n "x\ny"\nB=\n"z" junk\nC=1\n';
    expect(spans(text, 'dotenv')).toEqual([['A', '"x\ny"'], ['B', ''], ['C', '1']]);
    expect(spans(text, 'node')).toEqual([['A', ''], ['B', ''], ['C', '1']]);
  });

  it('docker compose reads on after a closing quote', () => {
    expect(spans('A="x" B=1 # c\nC=2\n', 'compose')).toEqual([['A', '"x"'], ['B', '1'], ['C', '2']]);
    expect(assignments('A="x" B=1\nC=2\n', READERS.compose).map((a) => a.line)).toEqual([1, 1, 2]);
    expect(spans('A="x" # c\nC=2\n', 'compose')).toEqual([['A', '"x"'], ['C', '2']]);
  });

  it('a quote never closed: the rest of the line', () => {
    for (const reader of Object.keys(READERS) as Array<keyof typeof READERS>) {
      expect(spans('A="x\nB=1\n', reader)).toEqual([['A', '"x'], ['B', '1']]);
    }
  });

  it('names: a BOM, tabs, export', () => {
    expect(spans(`${BOM}A=1\n`, 'dotenv')).toEqual([['A', '1']]);
    expect(spans(`${BOM}A=1\n`, 'node')).toEqual([[`${BOM}A`, '1']]);
    expect(spans('\tA=1\nexport\tB=2\n', 'node20')).toEqual([['\tA', '1'], ['export\tB', '2']]);
    expect(spans('\tA=1\nexport\tB=2\n', 'node')).toEqual([['A', '1'], ['export\tB', '2']]);
    expect(spans('\tA=1\nexport\tB=2\n', 'python')).toEqual([['A', '1'], ['B', '2']]);
  });

  it('counts lines across multi-line values and CRLF', () => {
    const text = 'A="1\r\n2"\r\n\r\nB=3\nC=4';
    expect(assignments(text, READERS.dotenv).map((a) => [a.name, a.line])).toEqual([['A', 1], ['B', 4], ['C', 5]]);
  });
});
