// src/web-headers.ts against Node's own (undici) Headers on the same table of cases: both must give
// the same answers, or both throw a TypeError. Tests may touch the global; the product may not.
import { describe, expect, it } from 'vitest';
import { Headers as SmallHeaders } from '../../src/web-headers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyHeaders = any;
type Ctor = new (init?: unknown) => AnyHeaders;

const INVALID_NAMES = ['', 'a b', 'a:b', 'é', 'a\n', '(x)', 'a/b', 'x\0'];
const ODD_VALID_NAMES = ["!#$%&'*+-.^_`|~", 'X-Custom-123', 'a'];

const CASES: Array<[string, (H: Ctor) => unknown]> = [
  ['no init', (H) => [...new H()]],
  ['undefined init', (H) => [...new H(undefined)]],
  ['record, names lower-cased and sorted', (H) => [...new H({ 'X-B': '2', a: '1', C: '3' })]],
  ['record with non-string values', (H) => [...new H({ a: 1, b: null, c: undefined, d: true })]],
  ['array of pairs, repeated names joined', (H) => [...new H([['a', '1'], ['A', '2'], ['b', '3']])]],
  ['pairs with non-string values', (H) => [...new H([['n', 42]])]],
  ['a Map as the init', (H) => [...new H(new Map([['a', '1'], ['B', '2']]))]],
  ['an iterable of iterables', (H) => [...new H(new Set([new Set(['x', 'y'])]))]],
  ['another instance, set-cookie kept apart', (H) => [...new H(new H([['x', '1'], ['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['x', '2']]))]],
  ['a pair of length 3', (H) => new H([['a', '1', '2']])],
  ['a pair of length 1', (H) => new H([['a']])],
  ['an entry that is a string', (H) => new H(['ab'])],
  ['an entry that is a number', (H) => new H([5])],
  ['null init', (H) => new H(null)],
  ['string init', (H) => new H('abc')],
  ['number init', (H) => new H(5)],
  ['a symbol key', (H) => new H({ [Symbol('x')]: 'y' })],
  [
    'values trimmed of HTTP whitespace only',
    (H) => {
      const h = new H();
      h.append('a', ' \t x \t y \r\n');
      h.set('b', '\n z\t');
      h.append('c', '\u00a0nbsp\u00a0');
      h.append('d', '   ');
      return [...h];
    },
  ],
  ['CR inside a value', (H) => new H([['a', 'x\ry']])],
  ['LF inside a value', (H) => new H().append('a', 'x\ny')],
  ['NUL inside a value', (H) => new H().set('a', 'x\0y')],
  ['other control characters are allowed', (H) => new H([['a', 'x\u0001\u007fy']]).get('a')],
  ['a value above U+00FF', (H) => new H([['a', '€']])],
  ['a Latin-1 value', (H) => new H([['a', 'é\u00ff']]).get('a')],
  ...INVALID_NAMES.flatMap((name): Array<[string, (H: Ctor) => unknown]> => [
    [`append(${JSON.stringify(name)})`, (H) => new H().append(name, 'v')],
    [`set(${JSON.stringify(name)})`, (H) => new H().set(name, 'v')],
    [`get(${JSON.stringify(name)})`, (H) => new H().get(name)],
    [`has(${JSON.stringify(name)})`, (H) => new H().has(name)],
    [`delete(${JSON.stringify(name)})`, (H) => new H().delete(name)],
    [`record key ${JSON.stringify(name)}`, (H) => new H({ [name]: 'v' })],
  ]),
  ['unusual but valid names', (H) => [...new H(ODD_VALID_NAMES.map((name) => [name, 'v']))]],
  [
    'append joins with ", ", empty values included',
    (H) => {
      const h = new H();
      h.append('X', '1');
      h.append('x', '');
      h.append('x', '3');
      return [h.get('x'), h.get('X'), [...h]];
    },
  ],
  [
    'set replaces every earlier value',
    (H) => {
      const h = new H([['a', '1'], ['a', '2']]);
      h.set('A', '3');
      return [...h];
    },
  ],
  ['get of an absent name is null', (H) => new H({ a: '1' }).get('b')],
  [
    'has and delete ignore case',
    (H) => {
      const h = new H({ 'Content-Type': 'text/plain', Accept: '*/*' });
      const before = [h.has('content-type'), h.has('CONTENT-TYPE'), h.has('nope')];
      h.delete('ACCEPT');
      h.delete('absent');
      return [before, [...h]];
    },
  ],
  [
    'set-cookie: joined by get, apart in iteration and getSetCookie',
    (H) => {
      const h = new H();
      h.append('Set-Cookie', 'a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT');
      h.append('set-cookie', 'b=2');
      h.append('x-z', 'last');
      h.append('content-type', 'first');
      return [[...h], h.get('set-cookie'), h.getSetCookie(), [...h.keys()], [...h.values()]];
    },
  ],
  ['getSetCookie with none', (H) => new H({ a: '1' }).getSetCookie()],
  [
    'set on set-cookie replaces all cookies',
    (H) => {
      const h = new H([['set-cookie', 'a=1'], ['set-cookie', 'b=2']]);
      h.set('Set-Cookie', 'c=3');
      return [[...h], h.getSetCookie()];
    },
  ],
  [
    'iteration sorts by code unit, after lower-casing',
    (H) => {
      const h = new H([['b', '1'], ['A_', '2'], ['a-b', '3'], ['a', '4'], ['Z', '5'], ['a.b', '6'], ['~', '7'], ['0', '8']]);
      return [[...h], [...h.entries()], [...h.keys()], [...h.values()], [...h[Symbol.iterator]()]];
    },
  ],
  [
    'forEach: value, name, the headers, and thisArg, in sorted order',
    (H) => {
      const h = new H([['b', '2'], ['a', '1'], ['set-cookie', 'x'], ['set-cookie', 'y']]);
      const seen: unknown[] = [];
      h.forEach(function (this: unknown, value: string, name: string, parent: unknown) {
        seen.push([value, name, parent === h, this]);
      }, 'ctx');
      return seen;
    },
  ],
  ['forEach without a function', (H) => new H({ a: '1' }).forEach('nope')],
  ['get() without arguments', (H) => new H().get()],
  ['append with one argument', (H) => new H().append('a')],
  ['set with one argument', (H) => new H().set('a')],
  ['has() without arguments', (H) => new H().has()],
  ['get(undefined) looks up "undefined"', (H) => new H({ undefined: 'u' }).get(undefined)],
  ['toStringTag', (H) => Object.prototype.toString.call(new H())],
  ['entries() is an iterator', (H) => typeof new H({ a: '1' }).entries().next],
];

function outcome(run: () => unknown): { value: unknown } | { threw: string } {
  try {
    return { value: run() };
  } catch (error) {
    return { threw: (error as Error).constructor.name };
  }
}

describe('web-headers Headers behaves like Node’s global Headers', () => {
  const NodeHeaders = globalThis.Headers as unknown as Ctor;
  it.each(CASES)('%s', (_name, run) => {
    const expected = outcome(() => run(NodeHeaders));
    const actual = outcome(() => run(SmallHeaders as unknown as Ctor));
    expect(actual).toEqual(expected);
  });

  it('the table has cases that throw and cases that do not', () => {
    const results = CASES.map(([, run]) => outcome(() => run(SmallHeaders as unknown as Ctor)));
    expect(results.filter((r) => 'threw' in r).length).toBeGreaterThan(10);
    expect(results.filter((r) => 'value' in r).length).toBeGreaterThan(10);
    expect(results.filter((r) => 'threw' in r).every((r) => 'threw' in r && r.threw === 'TypeError')).toBe(true);
  });
});

describe('web-headers Headers, beyond the spec', () => {
  it('copies a Node Headers, and a Node Headers copies it', () => {
    const node = new globalThis.Headers([['b', '2'], ['set-cookie', 'x=1'], ['set-cookie', 'y=2'], ['A', '1']]);
    const small = new SmallHeaders(node);
    expect([...small]).toEqual([...node]);
    expect([...new globalThis.Headers(small as unknown as globalThis.Headers)]).toEqual([...node]);
  });

  it('skips non-enumerable keys of a record, as WebIDL says (Node 20 does not)', () => {
    const init = Object.defineProperty({ a: '1' }, 'hidden', { value: '2', enumerable: false });
    expect([...new SmallHeaders(init)]).toEqual([['a', '1']]);
  });

  it('takes a Headers-like that only has forEach', () => {
    const like = { forEach: (cb: (value: string, name: string) => void) => [['X-One', '1'], ['x-one', '2']].forEach(([n, v]) => cb(v!, n!)) };
    expect([...new SmallHeaders(like)]).toEqual([['x-one', '1, 2']]);
  });

  it('never repeats a rejected value in its error (it may be the secret key)', () => {
    const secret = 'sk-proj-SECRET\nvalue';
    for (const act of [
      () => new SmallHeaders().append('Authorization', secret),
      () => new SmallHeaders().set('Authorization', `${secret}\0`),
      () => new SmallHeaders({ Authorization: 'sk-proj-SECRET-€' }),
    ]) {
      expect(act).toThrow(TypeError);
      try {
        act();
      } catch (error) {
        expect((error as Error).message).not.toContain('SECRET');
      }
    }
  });
});
