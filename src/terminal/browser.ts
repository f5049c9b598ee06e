// Opening platform pages. The URL is always printed first (SSH, headless machines, phones);
// opening is a convenience whose failure is never an error.
import { spawn } from 'node:child_process';

export type OpenOutcome = 'opened' | 'skipped' | 'failed';

export interface Browser {
  /** Try to open a URL; the caller has already printed it. */
  open(url: string): Promise<OpenOutcome>;
  /** Why pages are not opened, when they are not (for one line of explanation). */
  readonly skipReason: string | null;
}

export interface BrowserOptions {
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  noBrowser: boolean;
}

/** Where there is no screen to open a browser on (Codex's heuristic, plus CI). */
export function headlessReason(env: Record<string, string | undefined>, platform: NodeJS.Platform): string | null {
  if (env.SSH_CONNECTION || env.SSH_CLIENT || env.SSH_TTY) return 'this is an SSH session';
  if (env.CI) return 'this looks like CI';
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return 'there is no graphical display';
  return null;
}

/** Split a BROWSER value into argv, honouring simple quotes, as shells and gh do. */
export function splitCommand(command: string): string[] {
  const args: string[] = [];
  let current = '';
  let quote: string | null = null;
  let started = false;
  for (const ch of command.trim()) {
    if (quote) {
      if (ch === quote) quote = null;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      started = true;
    } else if (/\s/.test(ch)) {
      if (started || current) args.push(current);
      current = '';
      started = false;
    } else {
      current += ch;
    }
  }
  if (started || current) args.push(current);
  return args;
}

/** Run BROWSER with the URL (as an argument, never through a shell); `%s` marks its place. */
function runBrowserCommand(command: string, url: string): Promise<OpenOutcome> {
  const parts = splitCommand(command);
  if (parts.length === 0) return Promise.resolve('failed');
  const args = parts.slice(1);
  const hasPlaceholder = args.some((a) => a.includes('%s'));
  const argv = hasPlaceholder ? args.map((a) => a.replaceAll('%s', url)) : [...args, url];
  return new Promise((resolve) => {
    const child = spawn(parts[0]!, argv, { stdio: 'ignore', detached: true });
    // A terminal browser or a script finishes quickly; a GUI one may keep running: let it.
    const settle = setTimeout(() => {
      child.unref();
      resolve('opened');
    }, 2000);
    child.on('error', () => {
      clearTimeout(settle);
      resolve('failed');
    });
    child.on('exit', (code) => {
      clearTimeout(settle);
      resolve(code === 0 ? 'opened' : 'failed');
    });
  });
}

export function createBrowser(options: BrowserOptions): Browser {
  const { env, platform, noBrowser } = options;
  const command = env.BROWSER?.trim();
  // --no-browser, given for this run, wins; then BROWSER, the person's standing choice, which
  // wins even on a headless machine.
  const skipReason = noBrowser ? '--no-browser was given' : command ? null : headlessReason(env, platform);
  return {
    skipReason,
    async open(url) {
      if (skipReason) return 'skipped';
      if (command) return runBrowserCommand(command, url);
      try {
        const { default: open } = await import('open');
        const child = await open(url);
        return await new Promise<OpenOutcome>((resolve) => {
          child.once('error', () => resolve('failed'));
          child.once('spawn', () => resolve('opened'));
          setTimeout(() => resolve('opened'), 500).unref();
        });
      } catch {
        return 'failed';
      }
    },
  };
}
