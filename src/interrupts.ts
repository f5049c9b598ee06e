// Leaving on a signal (Ctrl-C, SIGTERM, SIGHUP) without leaving things half done. main.ts sends
// every such signal here, and every Context holds the one instance. Work a signal must not cut in
// half (a file's locked read-modify-write, a key stored and recorded as one step) runs as a
// section: a signal that comes meanwhile waits for it to end, SECTION_GRACE_MS at most (then the
// run leaves anyway, saying what may be half done). A section that has changed nothing yet and is
// only waiting for another run's turn (givingUp) gives the wait up, and leaving says that nothing
// was changed. Work a cancel must take back (rotate's new
// service account), or a state a cancel would otherwise leave unsaid (rotate's old key, not yet
// revoked), registers an undo, which the signal runs, bounded, before leaving (an undo may start
// sections of its own: env's, recording the file a section it let finish wrote). A second
// signal leaves at once, saying what was left. Once leaving, nothing new starts: no section, and
// no step of a body that takes its steps through step(): an undo may run for seconds meanwhile,
// and what it says must stay true (no request sent, no key stored by the body going on). A --json
// run's one document is its last word (lastWord): printed as it leaves, once the undos are done
// with, or at once on a second signal, saying what leaving said.

import { AsyncLocalStorage } from 'node:async_hooks';

export type LeavingSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

/** Work a signal waits for, as said when the run leaves before it ends. */
export interface Section {
  /** What is under way: `the key change of profile "work"`. */
  what: string;
  /** What may be half done then: `the key stored may not be the one …/state.json records`. */
  risk: string;
  /** Whether it has changed nothing yet (absent: never known): leaving then says so, rather than `risk`. */
  untouched?: () => boolean;
  /**
   * Whether what it has not begun yet may be given up on a signal rather than waited for (a
   * keychain call waiting for its turn: givingUp): it has changed nothing it cannot take back at
   * once itself (absent: no).
   */
  mayGiveUp?: () => boolean;
}

/** What a cancel takes back, or only says. */
export interface Undo {
  /**
   * Take it back; resolves with the line saying how that went. Run once the sections under way
   * have ended, so it can tell what they came to first (a key stored or not), and only then call
   * `starting` with what it goes on to do (`Deleting the new service account x again`), said with
   * the way out; one that only says where things stand calls nothing. Its requests have time limits
   * of their own. Sections it starts run (as the undo's own: a second signal leaves them, saying
   * `left()`); no step does, nor a section the command's body starts meanwhile. An empty line: nothing
   * to say (what leaving says already tells it: a section that changed nothing).
   */
  run(starting: (doing: string) => void): Promise<string>;
  /** What is left, and where to remove it by hand, when the undo is skipped or does not end in time. */
  left(): string;
}

/** What the stores need: sections. */
export interface Sections {
  section<T>(what: Section, body: () => Promise<T>): Promise<T>;
  /** Whether waits not yet over in the sections under way are to be given up (Interrupts.givingUp). */
  readonly givingUp?: boolean;
}

/** Sections for a store used without signals (tests that build one themselves): just run. */
export const UNGUARDED: Sections = { section: (_what, body) => body() };

/** The process as Interrupts sees it (main.ts; unit tests give their own). */
export interface InterruptHost {
  /** What leaving does first, at once: "Cancelled." on Ctrl-C, the terminal put back as it was found. */
  prepare(signal: LeavingSignal): Promise<void>;
  /** One line on stderr. */
  say(line: string): void;
  /** Leave now, with the signal's exit status (130, 143, 129); by the signal itself when `bySignal` (endBySignal). */
  exit(signal: LeavingSignal, bySignal: boolean): void;
  sleep(ms: number): Promise<void>;
}

/**
 * A --json run's document as it leaves on `signal` (withFailureDocument): written on stdout, at
 * once (no wait), with the lines leaving said of where things stand (what the undos came to, what
 * was left), in order.
 */
export type LastWord = (signal: LeavingSignal, said: string[]) => void;

/** How long a signal waits for the sections under way; they take milliseconds unless something hangs (a stopped keyring). */
export const SECTION_GRACE_MS = 3_000;
/** A wait longer than this is said, with the way out (a second signal). */
export const SECTION_NOTICE_MS = 500;
/** The most an undo may take, past its requests' own time limits. */
const UNDO_MAX_MS = 45_000;

const named = (signal: LeavingSignal) => (signal === 'SIGINT' ? 'Ctrl-C' : signal);

/** Set within an undo's run (and what it awaits): the sections started there are the undo's own. */
const withinUndo = new AsyncLocalStorage<true>();

export class Interrupts implements Sections {
  private readonly open = new Set<Section>();
  private readonly undos = new Set<Undo>();
  private signal: LeavingSignal | null = null;
  private prepared = false;
  private undoing: Undo | null = null;
  private gone = false;
  private bySignal = false;
  private lastWords: LastWord[] = [];
  private readonly silenceHooks = new Set<() => void>();
  /** What leaving said of where things stand: the undos' lines, what was left half done or not undone. */
  private readonly said: string[] = [];

  constructor(private readonly host: InterruptHost) {}

  /**
   * From now on, leaving on a signal ends the process by that signal, once all else leaving does is
   * done, rather than with 128 + N: `run`, which stands for its command, so that a shell running it
   * in a loop sees a death by Ctrl-C, as it would of the command, and stops the loop.
   */
  endBySignal(): void {
    this.bySignal = true;
  }

  /** The signal this run is leaving on, or null. */
  get leaving(): LeavingSignal | null {
    return this.signal;
  }

  /**
   * Whether the run is leaving while sections are under way that all may give up what they have not
   * begun (Section.mayGiveUp): it need not begin (a keychain call still waiting for its turn gives
   * up, and the section ends having changed nothing).
   */
  get givingUp(): boolean {
    return this.signal !== null && this.open.size > 0 && [...this.open].every((s) => s.mayGiveUp?.() === true);
  }

  /**
   * Run `body` so that a signal waits for it to end. Once the run is leaving, nothing new starts:
   * this never settles (but in an undo's run, Undo.run: it runs then, as a part of the undo).
   */
  async section<T>(what: Section, body: () => Promise<T>): Promise<T> {
    if (this.signal && !(this.undoing && !this.gone && withinUndo.getStore())) return new Promise<T>(() => {});
    // An entry of its own: two sections alike are still two.
    const entry = { ...what };
    this.open.add(entry);
    try {
      return await body();
    } finally {
      this.open.delete(entry);
      // Ended while leaving (given up, say) having changed nothing: said, as leaving says what was left.
      if (this.signal && !this.gone && entry.untouched?.() === true) this.tell(`Nothing was changed: ${entry.what} had not begun.`);
      this.next();
    }
  }

  /**
   * The next step of a command's body: `work` starts only while the run is not leaving, and what it
   * comes to (a value or a failure) is handed on only then. Once leaving this never settles, as
   * section() does: the body goes no further, and the undo alone says where things stand.
   */
  step<T>(work: () => Promise<T>): Promise<T> {
    if (this.signal) return new Promise<T>(() => {});
    return new Promise<T>((resolve) => resolve(work())).then(
      (value) => (this.signal ? new Promise<T>(() => {}) : value),
      (error: unknown) => (this.signal ? new Promise<T>(() => {}) : Promise.reject(error)),
    );
  }

  /** Have a signal run `undo` before leaving (after the sections under way end); the returned function takes it off again. */
  onCancel(undo: Undo): () => void {
    const entry = { ...undo };
    this.undos.add(entry);
    return () => void this.undos.delete(entry);
  }

  /**
   * Have the first signal run `say` at once, before the run's own output is silenced (host.prepare):
   * lines a run holds back for a later moment, true already, said while they still can be
   * (doctor's rows that wait for its live check). The returned function takes it off again.
   */
  beforeSilence(say: () => void): () => void {
    this.silenceHooks.add(say);
    return () => void this.silenceHooks.delete(say);
  }

  /**
   * Have leaving on a signal end with `write` (a --json run's one document), the last thing done
   * before the exit, also on a second signal; the returned function takes it off again (the run
   * ended, having printed its document itself). The latest one registered is the one written.
   */
  lastWord(write: LastWord): () => void {
    this.lastWords.push(write);
    return () => void (this.lastWords = this.lastWords.filter((w) => w !== write));
  }

  /** A signal came. */
  interrupt(signal: LeavingSignal): void {
    if (this.gone) return;
    if (this.signal) return this.leaveNow(signal, `a second ${named(signal)}`);
    this.signal = signal;
    for (const say of [...this.silenceHooks]) {
      try {
        say();
      } catch {
        // Leaving matters more than these lines.
      }
    }
    this.silenceHooks.clear();
    if (this.open.size) {
      void this.host.sleep(SECTION_NOTICE_MS).then(() => {
        if (this.gone) return;
        for (const what of new Set([...this.open].map((s) => s.what))) this.host.say(`Waiting for ${what} to finish (${this.again(signal)} to leave at once)…`);
      });
      void this.host.sleep(SECTION_GRACE_MS).then(() => {
        if (this.open.size) this.leaveNow(signal, `it took more than ${SECTION_GRACE_MS / 1000} s`);
      });
    }
    void this.host.prepare(signal).then(() => {
      this.prepared = true;
      this.next();
    });
  }

  /** Leave at once, saying what may be half done and what was not undone. */
  private leaveNow(signal: LeavingSignal, why: string): void {
    if (this.gone) return;
    this.gone = true;
    const lines = new Set(
      [...this.open].map((s) => (s.untouched?.() === true ? `Left before ${s.what} began (${why}): nothing was changed.` : `! Left with ${s.what} unfinished (${why}): ${s.risk}.`)),
    );
    for (const line of lines) this.tell(line);
    for (const undo of [...(this.undoing ? [this.undoing] : []), ...this.undos]) this.tell(`! ${undo.left()}`);
    this.leave(signal);
  }

  /** A line of where things stand: said, and kept for the last word. */
  private tell(line: string): void {
    this.said.push(line);
    this.host.say(line);
  }

  /** The last word, if any (a failure to write it changes nothing), then the exit. */
  private leave(signal: LeavingSignal): void {
    const write = this.lastWords.at(-1);
    if (write) {
      try {
        write(signal, [...this.said]);
      } catch {
        // The exit matters more than the document.
      }
    }
    this.host.exit(signal, this.bySignal);
  }

  private again(signal: LeavingSignal): string {
    return signal === 'SIGINT' ? 'press Ctrl-C again' : `send ${signal} again`;
  }

  /** Once leaving: when no section is under way, the next undo; when none is left, leave. */
  private next(): void {
    const signal = this.signal;
    if (!signal || this.gone || !this.prepared || this.open.size || this.undoing) return;
    const [undo] = this.undos;
    if (!undo) {
      this.gone = true;
      this.leave(signal);
      return;
    }
    this.undos.delete(undo);
    this.undoing = undo;
    const starting = (doing: string) => {
      if (!this.gone && this.undoing === undo) this.host.say(`${doing} (${this.again(signal)} to leave it as it is)…`);
    };
    const done = withinUndo.run(true, () => undo.run(starting)).then(
      (line) => line,
      () => null,
    );
    void Promise.race([done, this.host.sleep(UNDO_MAX_MS).then(() => null)]).then((line) => {
      if (this.gone) return;
      if (line !== '') this.tell(line ?? `! ${undo.left()}`);
      this.undoing = null;
      this.next();
    });
  }
}
