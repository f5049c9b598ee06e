// What a store finds and says to the person (a key read from the plain-text file, a damaged
// progress file moved aside): each said once a run, and held back while the run is hushed.

/** A store's notices: said through `warn`, each once; kept while hushed, for sayHeld(). */
export class Notices {
  /** Notices already given by this run, so that reading twice does not say it twice. */
  private readonly told = new Set<string>();
  /** Whether notices are said at all: not for a run that prints nothing (verify --quiet: hush()). */
  private hushed = false;
  /**
   * What was found while hushed, kept: said by sayHeld() when the run ends in an error, as it may
   * tell why (a damaged progress file, which lost the profile chosen with `use`).
   */
  private held: string[] = [];

  constructor(private readonly warn: (message: string) => void) {}

  /** Nothing is said from now on (verify --quiet, whose only answer is its exit code); kept for sayHeld(). */
  hush(): void {
    this.hushed = true;
  }

  /** Says what was kept while hushed, and says what is found from now on: for a hushed run that failed. */
  sayHeld(): void {
    this.hushed = false;
    const held = this.held;
    this.held = [];
    for (const message of held) this.warn(message);
  }

  /** Said once a run (a second time, nothing), or kept while hushed. */
  tell(message: string): void {
    if (this.told.has(message)) return;
    this.told.add(message);
    this.say(message);
  }

  /** Said (every time), or kept while hushed. */
  say(message: string): void {
    if (this.hushed) this.held.push(message);
    else this.warn(message);
  }
}
