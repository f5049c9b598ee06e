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

/** One paragraph for a tool's file at `path` (as shown). */
export function toolAdvice(tool: ToolName, path: string): string {
  switch (tool) {
    case 'codex':
      return `Codex keeps its key in ${path} unless told otherwise: add cli_auth_credentials_store = "keyring" to config.toml next to it, log in again with \`openai-setup token | codex login --with-api-key\` (Codex then keeps the key in the OS keychain), and remove the key from ${path}.`;
    case 'llm':
      return `Remove the "openai" entry from ${path}: llm then reads OPENAI_API_KEY, so run it as \`openai-setup run -- llm …\`.`;
    case 'shell-gpt':
      return `Remove the OPENAI_API_KEY line from ${path} and run \`openai-setup run -- sgpt …\`: shell-gpt takes the environment's key over its file (started without either, it asks for the key and writes it back there).`;
    case 'fabric':
      return `Remove the OPENAI_API_KEY line from ${path} and start fabric as \`openai-setup run -- fabric …\`, so that the key comes from the environment.`;
    case 'continue':
      return `Continue reads the key from ${path}: remove the apiKey value and let the editor get OPENAI_API_KEY from the environment (start it as \`openai-setup run -- code .\`), or use Continue's own secrets instead.`;
    case 'aider':
      return `Remove the openai-api-key line from ${path}: aider reads OPENAI_API_KEY, so run it as \`openai-setup run -- aider\`.`;
  }
}
