// Every way a run can end other than success, as one table. main.ts is the only place that
// turns these into process exit codes.
import { constants } from 'node:os';
import * as z from 'zod/mini';

export const EXIT = {
  ok: 0,
  /** A bug, a failure we did not foresee, or standard output that could not be written (main.ts). */
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

/**
 * A run that ends by a signal, as the command it ran did (`run`): main.ts, once it has cleaned up,
 * ends the process by `signal` itself, so that a shell sees a death by that signal (and stops a
 * loop on Ctrl-C) rather than a command that handled it and exited 128 + N. `code` is that 128 + N,
 * where the signal cannot be raised (Windows). Nothing is printed.
 */
export class SignalExit extends ExitError {
  constructor(readonly signal: NodeJS.Signals) {
    super(signalExitCode(signal), '');
    this.name = 'SignalExit';
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

// --json when a run fails: verify, admin-key, rotate and spend still print their one JSON document.

/** An ExitError with a short, stable code for --json (`reason`). */
export class ReasonedExitError extends ExitError {
  constructor(
    code: number,
    message: string,
    hints: string[],
    readonly reason: string,
  ) {
    super(code, message, hints);
    this.name = 'ReasonedExitError';
  }
}

/** The fields a --json document starts with (admin-key, rotate, spend; see failureFields for a failure's). */
export const OUTCOME_FIELDS = {
  ok: z.boolean(),
  exitCode: z.number(),
  reason: z.nullable(z.string()),
  message: z.string(),
  fix: z.nullable(z.string()),
};

/** The same for a failed run's document (the commands whose success looks otherwise). */
export const FAILURE_FIELDS = { ...OUTCOME_FIELDS, ok: z.literal(false), reason: z.string() };

/** What every --json document of a failed run holds: ok, exitCode, reason, message, fix. */
export interface FailureFields {
  ok: false;
  exitCode: number;
  /** A short code: the error's own (an Admin API failure's kind, a rotate step…), else `usage`, `key_store`, `cancelled`, `internal`, or one for its exit code. */
  reason: string;
  /** The one line printed on stderr. */
  message: string;
  /** The lines printed under it (hints, URLs), or null. */
  fix: string | null;
}

const REASON_BY_CODE: Record<number, string> = {
  [EXIT.internal]: 'internal',
  [EXIT.usage]: 'usage',
  [EXIT.keyRejected]: 'key_rejected',
  [EXIT.noQuota]: 'insufficient_quota',
  [EXIT.forbidden]: 'forbidden',
  [EXIT.network]: 'network_error',
  [EXIT.keyStore]: 'key_store',
};

/** The exit status of a run that leaves on `signal`: 130 for Ctrl-C, 128 + N for the others (143, 129). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/**
 * A run left on `signal` outside a question (interrupts.ts), as the fields of its --json document:
 * `said`, what leaving said on stderr of where things stand, is its message after "Cancelled.",
 * each line without its mark.
 */
export function cancelledFields(signal: NodeJS.Signals, said: string[]): FailureFields {
  const exitCode = signalExitCode(signal);
  // A line's mark (✔ ✖ ! ○), coloured or not: the message is the words.
  const words = said.flatMap((text) => text.split('\n')).map((line) => line.replace(/\x1b\[[0-9;]*m/g, '').replace(/^[\u2714\u2716!\u25cb]\s+/, '').trim()).filter(Boolean);
  const cancelled = signal === 'SIGINT' ? 'Cancelled.' : `Cancelled (${signal}).`;
  return { ok: false, exitCode, reason: 'cancelled', message: [cancelled, ...words].join(' '), fix: null };
}

/** Any error a run ends with, as the fields of its --json document. */
export function failureFields(error: unknown): FailureFields {
  if (error instanceof CancelledError) return { ok: false, exitCode: EXIT.cancelled, reason: 'cancelled', message: 'Cancelled.', fix: null };
  if (error instanceof ExitError) {
    const reason = error instanceof ReasonedExitError ? error.reason : error instanceof UsageError ? 'usage' : error instanceof KeyStoreError ? 'key_store' : (REASON_BY_CODE[error.code] ?? 'failed');
    return { ok: false, exitCode: error.code, reason, message: error.message, fix: error.hints.length ? error.hints.join('\n') : null };
  }
  const detail = error instanceof Error ? error.message : String(error);
  return { ok: false, exitCode: EXIT.internal, reason: 'internal', message: `Unexpected error (a bug in openai-setup; please report it): ${detail}`, fix: null };
}
