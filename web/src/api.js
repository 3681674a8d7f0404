// HTTP API of Parley (contract §2). Every call resolves with parsed JSON or
// rejects with an ApiError carrying the server's error code.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code || 'internal';
  }
}

async function call(method, path, { body, token } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'unavailable', 'Cannot reach the server. Check your connection.');
  }
  let json = null;
  const text = await res.text();
  if (text) {
    try { json = JSON.parse(text); } catch { json = null; }
  }
  if (!res.ok) {
    const err = json && json.error ? json.error : {};
    throw new ApiError(res.status, err.code || statusCode(res.status), err.message);
  }
  return json;
}

function statusCode(status) {
  return ({ 400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 409: 'conflict',
    413: 'too_large', 429: 'rate_limited', 503: 'unavailable' })[status] || 'internal';
}

export const login = (username, password) => call('POST', '/api/auth/login', { body: { username, password } });
export const register = (username, password) => call('POST', '/api/auth/register', { body: { username, password } });
export const listRooms = (token) => call('GET', '/api/rooms', { token });
export function roomHistory(token, room, { before, limit = 50 } = {}) {
  const q = new URLSearchParams({ limit: String(limit) });
  if (before != null) q.set('before', String(before));
  return call('GET', `/api/rooms/${encodeURIComponent(room)}/messages?${q}`, { token });
}
