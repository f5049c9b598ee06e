// Types for proxy-server.mjs.

export interface FakeProxy {
  /** e.g. 'http://127.0.0.1:43122' */
  url: string;
  /** 'host:port' targets seen, in order, for CONNECT and absolute-form requests */
  targets: string[];
  /** The Proxy-Authorization header of each of those requests ('' when none), in the same order */
  logins: string[];
  close(): Promise<void>;
}

/** A forward proxy on 127.0.0.1:0 (CONNECT and absolute-form); refuses non-loopback targets with 403. */
export declare function startProxy(): Promise<FakeProxy>;
