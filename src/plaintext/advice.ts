// What to do about a key in another tool's own file, which import never edits: how to point that
// tool at the keychain or at the environment (`openai-setup run`) instead.
import type { ToolName } from './places.js';

export const TOOL_NAMES: Record<ToolName, string> = {
  codex: 'Codex CLI',
  llm: 'llm',
  'shell-gpt': 'shell-gpt',
  fabric: 'fabric',
  continue: 'Continue',
  aider: 'aider',
};

/** How the person runs openai-setup's commands (src/terminal/invocation.ts): `… token` and `… run`, with the profile. */
export interface AdviceCommands {
  token: string;
  run: string;
}

/** One paragraph for a tool's file at `path` (as shown); it ends in the command to run, set off with two spaces (one unit when wrapped). */
export function toolAdvice(tool: ToolName, path: string, commands: AdviceCommands): string {
  const { token, run } = commands;
  switch (tool) {
    case 'codex':
      return `Codex keeps its key in ${path} unless told otherwise: add cli_auth_credentials_store = "keyring" to config.toml next to it, remove the key from ${path}, and log in again (Codex then keeps the key in the OS keychain):  ${token} | codex login --with-api-key`;
    case 'llm':
      return `Remove the "openai" entry from ${path}: llm then reads OPENAI_API_KEY, so run it as:  ${run} -- llm …`;
    case 'shell-gpt':
      return `Remove the OPENAI_API_KEY line from ${path}: shell-gpt takes the environment's key over its file (started without either, it asks for the key and writes it back there). Run it as:  ${run} -- sgpt …`;
    case 'fabric':
      return `Remove the OPENAI_API_KEY line from ${path}, so that the key comes from the environment, and start fabric as:  ${run} -- fabric …`;
    case 'continue':
      return `Continue reads the key from ${path}: remove the apiKey value and let the editor get OPENAI_API_KEY from the environment (or use Continue's own secrets instead), starting it as:  ${run} -- code .`;
    case 'aider':
      return `Remove the openai-api-key line from ${path}: aider reads OPENAI_API_KEY, so run it as:  ${run} -- aider`;
  }
}
