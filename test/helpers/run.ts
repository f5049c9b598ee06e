/**
 * Run the CLI with plain pipes (no TTY), as a script or CI job would.
 */
import { spawn } from 'node:child_process';
import { CLI } from './env.js';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** true when the child was killed because it ran past timeoutMs */
  timedOut: boolean;
}

export interface RunOptions {
  env: Record<string, string>;
  /** written to stdin, which is then closed; undefined = stdin closed immediately */
  input?: string;
  /** default 15000; the whole process group is SIGKILLed after this */
  timeoutMs?: number;
  /** default env.HOME (so a stray file written to cwd lands in the temp dir, not the repo) */
  cwd?: string;
}

/**
 * Run `node bin/openai-setup.cjs ...args` with stdin a pipe (input written then closed; if input is
 * undefined stdin is closed immediately), stdout/stderr captured. Never rejects; kills the child
 * (SIGKILL) after timeoutMs (default 15000) and reports signal.
 */
export function runCli(args: string[], options: RunOptions): Promise<RunResult> {
  return runCommand(process.execPath, [CLI, ...args], options);
}

/** Same as runCli for an arbitrary command. */
export function runCommand(file: string, args: string[], options: RunOptions): Promise<RunResult> {
  const { env, input, timeoutMs = 15_000 } = options;
  const cwd = options.cwd ?? env.HOME ?? process.cwd();
  const started = Date.now();

  return new Promise<RunResult>((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;

    let child;
    try {
      child = spawn(file, args, {
        env,
        cwd,
        stdio: ['pipe', 'pipe', 'pipe'],
        // Own process group: on timeout we kill grandchildren too (e.g. a BROWSER script). It is
        // also a new session, i.e. no controlling terminal — like a CI job.
        detached: true,
      });
    } catch (err) {
      resolve({ code: null, signal: null, stdout, stderr: String(err), durationMs: Date.now() - started, timedOut });
      return;
    }
    const pid = child.pid;

    const killGroup = () => {
      try {
        if (pid !== undefined) process.kill(-pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };

    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(closeTimer);
      resolve({ code, signal, stdout, stderr, durationMs: Date.now() - started, timedOut });
    };

    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    let closeTimer: NodeJS.Timeout | undefined;

    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // The child may exit (or close stdin) before reading all input: ignore EPIPE.
    child.stdin.on('error', () => {});

    child.on('error', (err) => {
      stderr += `${stderr && !stderr.endsWith('\n') ? '\n' : ''}[spawn error] ${String(err)}\n`;
      finish(null, null);
    });
    // 'close' = exited AND stdio drained. If a grandchild keeps the pipes open, do not wait forever.
    child.on('exit', (code, signal) => {
      closeTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish(code, signal);
      }, 2_000);
    });
    child.on('close', (code, signal) => finish(code, signal));

    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}
