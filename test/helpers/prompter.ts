/**
 * A scripted Prompter for unit tests: answers are registered by prompt text (exact string or
 * RegExp), each answers one question, and anything unforeseen fails the test: a question nobody
 * scripted, a select answer that is not among the offered choices, a typed answer the prompt's
 * own `validate` would reject (the real prompt would not accept it either), and — through
 * assertAllUsed() — an answer that was never asked for. Modelled on GitHub CLI's PrompterMock and
 * np's prompt mock.
 */
import type { Choice, Prompter } from '../../src/terminal/prompter.js';

export type PromptKind = 'confirm' | 'select' | 'password' | 'input';
export type PromptText = string | RegExp;

/** One question the product asked, and what the script answered. */
export interface AskedPrompt {
  kind: PromptKind;
  message: string;
  /** select only: the values offered, in order. */
  choices?: unknown[];
  answer: unknown;
}

interface ScriptedAnswer {
  kind: PromptKind;
  text: PromptText;
  answer: unknown;
  used: boolean;
}

/** A scripting mistake or an unforeseen question: thrown into the product, and kept for assertAllUsed(). */
export class ScriptedPromptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScriptedPromptError';
  }
}

const describeText = (text: PromptText) => (typeof text === 'string' ? JSON.stringify(text) : String(text));
const matches = (text: PromptText, message: string) => (typeof text === 'string' ? text === message : text.test(message));

export class ScriptedPrompter implements Prompter {
  /** Every question asked, in order. */
  readonly asked: AskedPrompt[] = [];
  /** How often the product held the terminal's input for a question to come (holdInput). */
  holds = 0;
  /** Each hold's way with what is typed meanwhile, in order: kept for the next password question, or dropped. */
  readonly held: Array<'keep' | 'drop'> = [];
  private readonly script: ScriptedAnswer[] = [];
  /** Failures thrown into the product, kept in case the product swallowed one. */
  private readonly failures: string[] = [];

  // Registration: each call answers one question with that text (or `times` of them). An Error as
  // the answer is thrown instead, as the real prompter throws CancelledError on Ctrl-C.

  whenConfirm(text: PromptText, answer: boolean | Error, times = 1): this {
    return this.add('confirm', text, answer, times);
  }

  /** `value` is the choice's value (not its label); the question fails if it is not offered. */
  whenSelect(text: PromptText, value: unknown, times = 1): this {
    return this.add('select', text, value, times);
  }

  /** The answer goes through the prompt's own validate first, as typed text would. */
  whenPassword(text: PromptText, answer: string | Error, times = 1): this {
    return this.add('password', text, answer, times);
  }

  whenInput(text: PromptText, answer: string | Error, times = 1): this {
    return this.add('input', text, answer, times);
  }

  /** Fails on an answer never asked for, or on any failure already thrown into the product. */
  assertAllUsed(): void {
    const unused = this.script.filter((s) => !s.used).map((s) => `  ${s.kind} ${describeText(s.text)} → ${JSON.stringify(s.answer)}`);
    const problems = [...this.failures, ...(unused.length ? [`Scripted answers never asked for:\n${unused.join('\n')}`] : [])];
    if (problems.length) throw new ScriptedPromptError(problems.join('\n'));
  }

  /** The failures thrown into the product so far, taken: for a test that provokes one on purpose and asserts it. */
  takeFailures(): string[] {
    return this.failures.splice(0);
  }

  /** The messages asked, in order (for assertions on what was asked). */
  get messages(): string[] {
    return this.asked.map((a) => a.message);
  }

  // The Prompter interface, as the product sees it.

  async confirm(message: string): Promise<boolean> {
    const answer = this.take('confirm', message);
    this.asked.push({ kind: 'confirm', message, answer });
    return answer as boolean;
  }

  async select<T>(message: string, choices: Array<Choice<T>>): Promise<T> {
    const values = choices.map((c) => c.value);
    const answer = this.take('select', message);
    if (!values.some((v) => Object.is(v, answer))) {
      const offered = choices.map((c) => `${JSON.stringify(c.value)} (${c.name})`).join(', ');
      this.fail(`Scripted answer ${JSON.stringify(answer)} to select "${message}" is not among the choices offered: ${offered}`);
    }
    this.asked.push({ kind: 'select', message, choices: values, answer });
    return answer as T;
  }

  async password(message: string, validate?: (value: string) => true | string): Promise<string> {
    const answer = this.take('password', message) as string;
    this.validate(message, answer, validate);
    this.asked.push({ kind: 'password', message, answer });
    return answer;
  }

  async input(message: string, options: { default?: string; validate?: (value: string) => true | string } = {}): Promise<string> {
    const typed = this.take('input', message) as string;
    // Like inquirer: an empty answer takes the default.
    const answer = typed === '' && options.default !== undefined ? options.default : typed;
    this.validate(message, answer, options.validate);
    this.asked.push({ kind: 'input', message, answer });
    return answer;
  }

  warmUp(): void {}

  questionsFollow(): void {}

  holdInput(typed: 'keep' | 'drop' = 'keep'): void {
    this.holds++;
    this.held.push(typed);
  }

  private add(kind: PromptKind, text: PromptText, answer: unknown, times: number): this {
    for (let i = 0; i < times; i++) this.script.push({ kind, text, answer, used: false });
    return this;
  }

  private take(kind: PromptKind, message: string): unknown {
    const scripted = this.script.find((s) => !s.used && s.kind === kind && matches(s.text, message));
    if (scripted) {
      scripted.used = true;
      if (scripted.answer instanceof Error) {
        this.asked.push({ kind, message, answer: scripted.answer });
        throw scripted.answer;
      }
      return scripted.answer;
    }
    const otherKind = this.script.find((s) => !s.used && matches(s.text, message));
    const spent = this.script.some((s) => s.kind === kind && matches(s.text, message));
    this.fail(
      otherKind
        ? `The ${kind} prompt "${message}" was scripted as ${otherKind.kind}, not ${kind}.`
        : spent
          ? `The ${kind} prompt "${message}" was asked more often than scripted.`
          : `Unexpected ${kind} prompt: "${message}" (asked so far: ${JSON.stringify(this.messages)}).`,
    );
  }

  private validate(message: string, answer: string, validate?: (value: string) => true | string): void {
    const verdict = validate?.(answer) ?? true;
    if (verdict !== true) this.fail(`Scripted answer ${JSON.stringify(answer)} to "${message}" was rejected by the prompt's validate: ${verdict}`);
  }

  private fail(message: string): never {
    this.failures.push(message);
    throw new ScriptedPromptError(message);
  }
}
