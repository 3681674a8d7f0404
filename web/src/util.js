export const ROOM_RE = /^[A-Za-z0-9_.-]{1,64}$/;
export const MAX_TEXT_CHARS = 4000;

export const codePoints = (s) => [...s].length;

export function newClientMsgId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Math.random().toString(36).slice(2) + Date.now().toString(36);
}

const ERROR_TEXT = {
  rate_limited: 'You are sending messages too fast. Wait a moment and try again.',
  too_large: `That message is too long (the limit is ${MAX_TEXT_CHARS} characters).`,
  forbidden: 'You are not allowed to do that here.',
  unauthorized: 'Your session is no longer valid. Please sign in again.',
  unavailable: 'Not connected to the server. Nothing was sent.',
  not_found: 'Not found.',
  conflict: 'That already exists.',
  internal: 'The server had a problem. Try again.',
};

export function errorText(err) {
  const code = err && err.code;
  if (code === 'bad_request') return err.message ? `Rejected: ${err.message}` : 'The server rejected that request.';
  return ERROR_TEXT[code] || (err && err.message) || 'Something went wrong.';
}

export function formatTime(ts) {
  return new Date(ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

export function formatDay(ts) {
  const d = new Date(ts);
  const today = new Date();
  const yesterday = new Date(Date.now() - 86400000);
  if (d.toDateString() === today.toDateString()) return 'Today';
  if (d.toDateString() === yesterday.toDateString()) return 'Yesterday';
  return d.toLocaleDateString([], { weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' });
}

export function colorFor(name) {
  let h = 0;
  for (const c of String(name)) h = (h * 31 + c.codePointAt(0)) % 360;
  return `hsl(${h} 55% 45%)`;
}
