// A small WHATWG Headers (https://fetch.spec.whatwg.org/#headers-class), enough for the OpenAI SDK
// and our own fetch (http-fetch.ts). Node 20's global Headers is a lazy getter that loads Node's
// bundled undici (~15 ms at start-up), which `verify` must not pay just to hold a dozen headers.
//
// Differences from the spec that cannot matter here: no guards (a response's headers are mutable),
// and iterators are a snapshot taken when iteration starts. Error messages never repeat a header
// value: the Authorization header carries the secret key.

/** RFC 7230 token: the characters a header name may have. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** HTTP whitespace (tab, LF, CR, space) at either end, removed from values. */
const EDGE_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;
/** What a value may not contain once trimmed: NUL, LF, CR. */
const FORBIDDEN_IN_VALUE = /[\0\n\r]/;
/** A ByteString holds code units up to 0xFF only. */
const NOT_BYTES = /[^\x00-\xff]/;

export type HeadersLike =
  | { forEach(callback: (value: string, name: string) => void): void }
  | Iterable<readonly [string, string] | readonly string[]>
  | Record<string, string>;

function byteString(value: unknown, what: string): string {
  if (typeof value === 'symbol') throw new TypeError(`Headers: a symbol cannot be a header ${what}.`);
  const text = String(value);
  if (NOT_BYTES.test(text)) throw new TypeError(`Headers: a header ${what} may only hold characters up to U+00FF.`);
  return text;
}

function headerName(name: unknown, method: string): string {
  const text = byteString(name, 'name');
  // A name is not a secret, and naming it is what makes the error useful.
  if (!TOKEN.test(text)) throw new TypeError(`Headers.${method}: ${JSON.stringify(text)} is an invalid header name.`);
  return text.toLowerCase();
}

function headerValue(value: unknown, name: string, method: string): string {
  const text = byteString(value, 'value').replace(EDGE_WHITESPACE, '');
  if (FORBIDDEN_IN_VALUE.test(text)) throw new TypeError(`Headers.${method}: the value of ${name} contains NUL, CR or LF.`);
  return text;
}

function requireArguments(count: number, needed: number, method: string): void {
  if (count < needed) throw new TypeError(`Headers.${method}: ${needed} argument${needed > 1 ? 's' : ''} required, but only ${count} present.`);
}

export class Headers {
  /** Lower-case name → the values appended under it, in order. */
  readonly #values = new Map<string, string[]>();

  constructor(init?: HeadersLike) {
    if (init === undefined) return;
    if (init === null || (typeof init !== 'object' && typeof init !== 'function')) {
      throw new TypeError('Headers: the init argument must be a sequence of name/value pairs or a record.');
    }
    if (Symbol.iterator in init && typeof init[Symbol.iterator] === 'function') {
      for (const pair of init as Iterable<unknown>) {
        if (pair === null || typeof pair !== 'object' || !(Symbol.iterator in pair)) {
          throw new TypeError('Headers: each init entry must be a [name, value] pair.');
        }
        const items = [...(pair as Iterable<unknown>)];
        if (items.length !== 2) throw new TypeError(`Headers: expected a name/value pair of length 2, found ${items.length}.`);
        this.append(items[0] as string, items[1] as string);
      }
    } else if ('forEach' in init && typeof init.forEach === 'function') {
      // Headers-likes that are not iterable (some fetch polyfills).
      (init as { forEach(callback: (value: string, name: string) => void): void }).forEach((value, name) => this.append(name, value));
    } else {
      for (const name of Reflect.ownKeys(init)) {
        const descriptor = Object.getOwnPropertyDescriptor(init, name);
        if (!descriptor?.enumerable) continue;
        if (typeof name === 'symbol') throw new TypeError('Headers: a symbol cannot be a header name.');
        this.append(name, (init as Record<string, unknown>)[name] as string);
      }
    }
  }

  append(name: string, value: string): void {
    requireArguments(arguments.length, 2, 'append');
    const key = headerName(name, 'append');
    const clean = headerValue(value, key, 'append');
    const existing = this.#values.get(key);
    if (existing) existing.push(clean);
    else this.#values.set(key, [clean]);
  }

  set(name: string, value: string): void {
    requireArguments(arguments.length, 2, 'set');
    const key = headerName(name, 'set');
    this.#values.set(key, [headerValue(value, key, 'set')]);
  }

  get(name: string): string | null {
    requireArguments(arguments.length, 1, 'get');
    return this.#values.get(headerName(name, 'get'))?.join(', ') ?? null;
  }

  has(name: string): boolean {
    requireArguments(arguments.length, 1, 'has');
    return this.#values.has(headerName(name, 'has'));
  }

  delete(name: string): void {
    requireArguments(arguments.length, 1, 'delete');
    this.#values.delete(headerName(name, 'delete'));
  }

  /** Every Set-Cookie value on its own: they cannot be joined with commas (cookie dates hold commas). */
  getSetCookie(): string[] {
    return [...(this.#values.get('set-cookie') ?? [])];
  }

  forEach(callback: (value: string, name: string, parent: Headers) => void, thisArg?: unknown): void {
    requireArguments(arguments.length, 1, 'forEach');
    if (typeof callback !== 'function') throw new TypeError('Headers.forEach: the callback must be a function.');
    for (const [name, value] of this.#sorted()) callback.call(thisArg, value, name, this);
  }

  *entries(): IterableIterator<[string, string]> {
    yield* this.#sorted();
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.#sorted()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.#sorted()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return 'Headers';
  }

  /** The spec's "sort and combine": names in code-unit order, values joined, Set-Cookie kept apart. */
  #sorted(): Array<[string, string]> {
    const names = [...this.#values.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const pairs: Array<[string, string]> = [];
    for (const name of names) {
      const values = this.#values.get(name)!;
      if (name === 'set-cookie') for (const value of values) pairs.push([name, value]);
      else pairs.push([name, values.join(', ')]);
    }
    return pairs;
  }
}
