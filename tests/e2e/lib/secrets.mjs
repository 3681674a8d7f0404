// Secrets the suites hand to the server (passwords, tokens, the JWT secret, the API key). Every ParleyServer
// checks its own output against them, line by line and once more at cleanup, and fails the suite when one
// shows up: nothing a client or an operator gives the server may reach its logs.
const secrets = new Set();

/** Remembers a secret (too short a string would match by chance: those are skipped). */
export function rememberSecret(value) {
  if (typeof value === 'string' && value.length >= 8) secrets.add(value);
}

/** The remembered secrets that occur in `text`. */
export function secretsIn(text) {
  return [...secrets].filter((s) => text.includes(s));
}
