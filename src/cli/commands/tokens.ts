import { UsageError } from '../../errors/index.js';
import { newApiToken, tokenSha256 } from '../../server/auth/api-tokens.js';
import { ROLES, type Role } from '../../server/auth/roles.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * Makes an API token: prints it once, and the `server.tokens` entry that holds only its SHA-256.
 * Stores nothing: the token exists where the user keeps it, the hash where they paste it.
 */
export async function tokensCreateCommand(options: { name: string; role: string; json?: boolean }): Promise<number> {
  if (!NAME.test(options.name)) throw new UsageError(`--name must be letters, digits, _ . - (at most 64, starting with a letter or digit), got "${options.name}"`);
  if (!ROLES.includes(options.role as Role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}, got "${options.role}"`);
  const token = newApiToken();
  const entry = { name: options.name, role: options.role as Role, sha256: tokenSha256(token) };
  if (options.json) {
    console.log(JSON.stringify({ token, entry }, null, 2));
    return 0;
  }
  console.log(`API token for "${entry.name}" (${entry.role}). It is shown this once: keep it in your secret store.`);
  console.log('');
  console.log(`  ${token}`);
  console.log('');
  console.log('Add this entry to server.tokens in staffwire.config.json (it holds only the token\'s SHA-256), then restart `staffwire serve`:');
  console.log('');
  console.log(`  ${JSON.stringify(entry)}`);
  console.log('');
  console.log('Clients send it as `Authorization: Bearer <token>`; the CLI takes --server URL --token <token>, or STAFFWIRE_SERVER and STAFFWIRE_TOKEN.');
  return 0;
}
