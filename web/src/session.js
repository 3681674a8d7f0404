// The login session and the little per-user state kept on the device (localStorage): the open conversation
// and the outbox of messages not yet stored by the server. Rooms, conversations and read state are the
// server's (docs/protocol.md §8).

const SESSION_KEY = 'parley.session';

export function loadSession() {
  try {
    const s = JSON.parse(localStorage.getItem(SESSION_KEY) || 'null');
    if (!s || typeof s.token !== 'string' || !s.user) return { session: null };
    if (typeof s.expiresAt === 'number' && s.expiresAt <= Date.now()) {
      localStorage.removeItem(SESSION_KEY);
      return { session: null, expired: true };
    }
    return { session: s };
  } catch {
    return { session: null };
  }
}

export function saveSession(s) {
  localStorage.setItem(SESSION_KEY, JSON.stringify(s));
}

export function clearSession() {
  localStorage.removeItem(SESSION_KEY);
}

export function readUserState(userId, key, fallback) {
  try {
    const v = JSON.parse(localStorage.getItem(`parley.${key}.${userId}`) || 'null');
    return v == null ? fallback : v;
  } catch {
    return fallback;
  }
}

export function writeUserState(userId, key, value) {
  try {
    localStorage.setItem(`parley.${key}.${userId}`, JSON.stringify(value));
  } catch { /* storage full or disabled: the UI still works, it just forgets on reload */ }
}

export function removeUserState(userId, key) {
  try { localStorage.removeItem(`parley.${key}.${userId}`); } catch { /* ignore */ }
}
