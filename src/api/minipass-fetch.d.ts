// The part of minipass-fetch (which ships no types) that http.ts and the SDK's build use.
declare module 'minipass-fetch' {
  import type { Agent } from 'node:http';
  import type { Readable } from 'node:stream';

  class Headers implements Iterable<[string, string]> {
    constructor(init?: unknown);
    get(name: string): string | null;
    has(name: string): boolean;
    set(name: string, value: string): void;
    append(name: string, value: string): void;
    delete(name: string): void;
    entries(): IterableIterator<[string, string]>;
    [Symbol.iterator](): IterableIterator<[string, string]>;
  }

  class Response {
    constructor(body?: Readable | string | Buffer | null, init?: { url?: string; status?: number; statusText?: string; headers?: Headers });
    readonly url: string;
    readonly status: number;
    readonly statusText: string;
    readonly ok: boolean;
    readonly headers: Headers;
    readonly body: Readable;
    json(): Promise<unknown>;
    text(): Promise<string>;
  }

  interface FetchOptions {
    method?: string;
    headers?: unknown;
    body?: unknown;
    signal?: AbortSignal;
    redirect?: 'follow' | 'manual' | 'error';
    agent?: Agent;
  }

  interface Fetch {
    (url: string, options?: FetchOptions): Promise<Response>;
    Headers: typeof Headers;
    Response: typeof Response;
  }

  const fetch: Fetch;
  export = fetch;
}
