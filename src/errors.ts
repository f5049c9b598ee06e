// Every way a run can end other than success, as one table. main.ts is the only place that
// turns these into process exit codes.

export const EXIT = {
  ok: 0,
  /** A bug, or a failure we did not foresee. */
  internal: 1,
  /** Bad flag or value, no key given, or a prompt needed without a terminal. */
  usage: 2,
  /** The key is malformed or was rejected (401). */
  keyRejected: 3,
  /** The key works but cannot spend: no credits, billing inactive, a spend limit reached. */
  noQuota: 4,
  /** Forbidden: region, organization/project, admin key, restricted key. */
  forbidden: 5,
  /** Network, timeout, proxy, TLS, 5xx or a non-JSON answer. */
  network: 6,
  /** The key store (keychain, or the --insecure-storage file) could not be used. */
  keyStore: 7,
  /** `import`: a plaintext copy of an OpenAI key is left in a place it looks. */
  plaintext: 8,
  /** Ctrl-C / Ctrl-D. */
  cancelled: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An outcome already explained to the person; main prints `message` (if any) and exits with `code`. */
export class ExitError extends Error {
  constructor(
    readonly code: number,
    message: string,
    /** Extra lines printed after the message (hints, URLs). */
    readonly hints: string[] = [],
  ) {
    super(message);
    this.name = 'ExitError';
  }
}

export class UsageError extends ExitError {
  constructor(message: string, hints: string[] = []) {
    super(EXIT.usage, message, hints);
    this.name = 'UsageError';
  }
}

export class KeyStoreError extends ExitError {
  constructor(message: string, hints: string[] = []) {
    super(EXIT.keyStore, message, hints);
    this.name = 'KeyStoreError';
  }
}

/** The person pressed Ctrl-C or Ctrl-D. Progress already saved stays saved. */
export class CancelledError extends Error {
  constructor() {
    super('Cancelled.');
    this.name = 'CancelledError';
  }
}
