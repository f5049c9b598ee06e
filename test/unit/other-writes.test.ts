// maskOtherWrites: what others write to this process's stdout and stderr (Node's NODE_DEBUG
// output, a library's console, warnings) is masked; the terminal's own writes go through as they are.
import { Console } from 'node:console';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createTerminal, maskOtherWrites } from '../../src/terminal/output.js';
import { urlPasswords, withoutPasswords } from '../../src/terminal/sanitize.js';

const KEY = `sk-proj-${'q'.repeat(60)}T3BlbkFJ${'r'.repeat(20)}Zz99`;

/** A stream that keeps every chunk as written to it (a Buffer as it is, a string with its encoding), standing for process.stderr. */
function recordingStream(): { stream: NodeJS.WriteStream; chunks: unknown[]; text: () => string } {
  const chunks: unknown[] = [];
  const encodings: BufferEncoding[] = [];
  const stream = new Writable({
    decodeStrings: false,
    write(chunk, encoding, done) {
      chunks.push(chunk);
      encodings.push(encoding);
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  const text = () => chunks.map((c, i) => (Buffer.isBuffer(c) ? c : Buffer.from(String(c), encodings[i])).toString('utf8')).join('');
  return { stream, chunks, text };
}

/** A terminal writing to `stream` through maskOtherWrites, as main.ts's startTerminal makes it. */
function guarded() {
  const { stream, chunks, text } = recordingStream();
  let masked = 0;
  const term = createTerminal({
    stdout: maskOtherWrites(stream, (t) => (masked++, term.redactSecrets(t))),
    stderr: { write: () => true },
    stdin: {},
    env: {},
  });
  return { term, stream, chunks, text, masks: () => masked };
}

describe('writes to the process streams that are not the terminal’s', () => {
  it('are masked against the secrets the terminal knows (a debug line of request headers, console.error)', () => {
    const { term, stream, text } = guarded();
    term.addSecret('plain-secret-value');
    stream.write(`HTTP 1: headers { authorization: [ 'Bearer ${KEY}' ] }\n`);
    new Console(stream).error('a library says %s', 'plain-secret-value');
    expect(text()).toBe(`HTTP 1: headers { authorization: [ 'Bearer sk-proj-…Zz99' ] }\na library says …ue\n`);
  });

  it('keep what is not a secret as it came: control characters and colour, a Buffer (the same bytes, not UTF-8), an encoding, the callback', async () => {
    const { term, stream, chunks } = guarded();
    term.addSecret(KEY);
    stream.write('\x1b[2K\r\x1b[33m12\x1b[39m\n');
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x41]);
    await new Promise<void>((resolve) => stream.write(binary, () => resolve()));
    stream.write('68690a', 'hex');
    expect(chunks[0]).toBe('\x1b[2K\r\x1b[33m12\x1b[39m\n');
    expect(chunks[1]).toBe(binary);
    expect(chunks[2]).toBe('68690a');
  });

  it('a Buffer or a string in another encoding holding a key is masked, its callback still called', async () => {
    const { term, stream, text } = guarded();
    term.addSecret(KEY);
    await new Promise<void>((resolve) => stream.write(Buffer.from(`a ${KEY}\n`), () => resolve()));
    await new Promise<void>((resolve) => stream.write(Buffer.from(`b ${KEY}\n`).toString('base64'), 'base64', () => resolve()));
    expect(text()).toBe('a sk-proj-…Zz99\nb sk-proj-…Zz99\n');
  });

  it('the terminal’s own writes are not masked twice, and writeSecret (token) prints the key whole', () => {
    const { term, text, masks } = guarded();
    term.addSecret(KEY);
    term.out(`key ${KEY}`);
    term.writeSecret(`${KEY}\n`);
    expect(text()).toBe(`key sk-proj-…Zz99\n${KEY}\n`);
    expect(masks()).toBe(0);
  });
});

describe('the passwords of the base URL and the proxy, out of what Node prints', () => {
  it('urlPasswords: each URL\'s password as the URL holds it and decoded, longest first; none without one', () => {
    expect(urlPasswords(['http://me:s3cret%21@proxy:3128', undefined, '--base-url=https://bob:pw@host/v1', 'https://host/v1', 'not a url'])).toEqual(['s3cret%21', 's3cret!', 'pw']);
    expect(urlPasswords(['http://me@proxy:3128', 'http://proxy:3128'])).toEqual([]);
  });

  it('withoutPasswords: as a quoted value or after a user name, never out of a word or an escape', () => {
    const node = "proxy: URL { href: 'http://proxy:3128/', username: 'me', password: 's3cret%21' } auth: 'me:s3cret!'";
    expect(withoutPasswords(node, urlPasswords(['http://me:s3cret%21@proxy:3128']))).toBe("proxy: URL { href: 'http://proxy:3128/', username: 'me', password: '…' } auth: 'me:…'");
    const short = urlPasswords(['http://me:2K@proxy']);
    expect(withoutPasswords("\x1b[2K password: '2K' auth: 'me:2K'", short)).toBe("\x1b[2K password: '…' auth: 'me:…'");
    // A password that is a word: the prompt's text keeps it (HTTPS_PROXY=http://corp:continue@proxy).
    expect(withoutPasswords("❯ Done, continue\n  password: 'continue'", urlPasswords(['http://corp:continue@proxy:3128']))).toBe("❯ Done, continue\n  password: '…'");
  });
});
