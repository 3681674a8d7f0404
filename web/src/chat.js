// ChatStore: the client's state and everything that changes it. React reads it
// through useSyncExternalStore (see useChat.js); components call its methods.
//
// Resume without gaps or duplicates: each room remembers the messages it holds,
// sorted by seq. After every (re)connect each joined room is joined again with
// `since` = the highest seq held, so the server replays exactly what was missed;
// every insert is deduplicated by seq, so a replayed or doubled push is harmless.

import { Connection } from './connection.js';
import * as api from './api.js';
import { readUserState, writeUserState } from './session.js';
import { MAX_TEXT_CHARS, codePoints, errorText, newClientMsgId } from './util.js';

const PAGE = 50;
const TYPING_TTL = 6000;      // a peer's typing indicator fades if not refreshed
const TYPING_IDLE = 3000;     // we send typing:stop after this much idle time
const TYPING_REFRESH = 2500;  // and repeat typing:start this often while typing
const POLL_MS = 15000;        // rooms and presence refresh
const DM_KEEP = 200;          // direct messages kept per peer in localStorage

function newRoom(name) {
  return { name, members: null, messages: [], pending: [], loaded: false, loadingOlder: false,
    hasMore: true, unread: 0, error: null };
}

function maxSeq(room) {
  return room.messages.length ? room.messages[room.messages.length - 1].seq : 0;
}

/** Merges messages into a seq-sorted array, dropping any seq already held. */
export function mergeBySeq(list, incoming) {
  if (!incoming.length) return list;
  const seen = new Set(list.map((m) => m.seq));
  const add = incoming.filter((m) => typeof m.seq === 'number' && !seen.has(m.seq) && (seen.add(m.seq), true));
  if (!add.length) return list;
  const last = list.length ? list[list.length - 1].seq : -Infinity;
  if (add.every((m) => m.seq > last)) {
    add.sort((a, b) => a.seq - b.seq);
    return list.concat(add);
  }
  return list.concat(add).sort((a, b) => a.seq - b.seq);
}

export class ChatStore {
  constructor(session, { onExpired }) {
    this.session = session;
    this.me = session.user;
    this.onExpired = onExpired;
    this.listeners = new Set();
    this.typingState = {}; // room -> { sentAt, stopTimer }
    const uid = this.me.id;
    const joined = readUserState(uid, 'rooms', []);
    const rooms = {};
    for (const name of joined) rooms[name] = newRoom(name);
    const dms = readUserState(uid, 'dms', {});
    for (const k of Object.keys(dms)) dms[k] = { ...dms[k], unread: 0 };
    this.state = {
      me: this.me,
      conn: { state: 'connecting' },
      rooms,
      roomOrder: joined,
      available: [],
      online: [],
      users: { [uid]: this.me.username },
      dms,
      active: readUserState(uid, 'active', joined.length ? { type: 'room', name: joined[0] } : null),
      typing: {},
      notice: null,
    };
    if (this.state.active?.type === 'room' && !rooms[this.state.active.name]) this.state.active = null;
    this.conn = new Connection({
      token: session.token,
      onStatus: (s) => this.set({ conn: s }),
      onEvent: (e, d) => this.handleEvent(e, d),
      onOpen: () => this.handleOpen(),
      onExpired: (reason) => this.expire(reason),
      checkToken: () => api.listRooms(this.session.token).then(() => true,
        (e) => (e.status === 401 ? false : true)),
    });
  }

  // ---- store plumbing -------------------------------------------------------
  subscribe = (fn) => { this.listeners.add(fn); return () => this.listeners.delete(fn); };
  getState = () => this.state;

  set(patch) {
    const next = typeof patch === 'function' ? patch(this.state) : patch;
    if (!next) return;
    this.state = { ...this.state, ...next };
    for (const fn of this.listeners) fn();
  }

  updateRoom(name, fn) {
    this.set((s) => {
      const room = s.rooms[name];
      if (!room) return null;
      const r = fn(room);
      if (!r || r === room) return null;
      return { rooms: { ...s.rooms, [name]: r } };
    });
  }

  persist() {
    const s = this.state;
    writeUserState(this.me.id, 'rooms', s.roomOrder);
    writeUserState(this.me.id, 'active', s.active);
  }

  persistDms() {
    const out = {};
    for (const [k, c] of Object.entries(this.state.dms)) {
      out[k] = { peerId: c.peerId, username: c.username,
        messages: c.messages.filter((m) => !m.status || m.status === 'sent').slice(-DM_KEEP) };
    }
    writeUserState(this.me.id, 'dms', out);
  }

  // ---- lifecycle ------------------------------------------------------------
  start() {
    this.conn.start();
    // Show the room list right away, even before the socket is up.
    api.listRooms(this.session.token).then((list) => this.applyRoomList(list), () => {});
    this.poll = setInterval(() => {
      if (this.conn.isOpen) { this.refreshRooms(); this.refreshPresence(); }
    }, POLL_MS);
    this.sweep = setInterval(() => this.sweepTyping(), 1000);
    const ms = (this.session.expiresAt || 0) - Date.now();
    if (this.session.expiresAt && ms < 2 ** 31 - 1) {
      this.expiryTimer = setTimeout(() => this.expire('Your session has expired. Please sign in again.'), Math.max(0, ms));
    }
  }

  stop() {
    clearInterval(this.poll);
    clearInterval(this.sweep);
    clearTimeout(this.expiryTimer);
    clearTimeout(this.noticeTimer);
    clearTimeout(this.refreshTimer);
    for (const t of Object.values(this.typingState)) clearTimeout(t.stopTimer);
    this.conn.stop();
  }

  expire(reason) {
    this.stop();
    this.onExpired(reason);
  }

  handleOpen() {
    for (const name of this.state.roomOrder) this.joinOnServer(name);
    this.refreshRooms();
    this.refreshPresence();
  }

  notify(text, kind = 'error') {
    clearTimeout(this.noticeTimer);
    this.set({ notice: { id: Date.now(), kind, text } });
    this.noticeTimer = setTimeout(() => this.set({ notice: null }), 7000);
  }

  dismissNotice() {
    clearTimeout(this.noticeTimer);
    this.set({ notice: null });
  }

  // ---- rooms ----------------------------------------------------------------
  async joinOnServer(name) {
    const room = this.state.rooms[name];
    if (!room) return;
    const data = { room: name };
    if (room.loaded) data.since = maxSeq(room);
    try {
      const reply = await this.conn.request('room:join', data);
      this.updateRoom(name, (r) => ({ ...r, members: reply?.members ?? r.members, error: null }));
      if (!this.state.rooms[name]?.loaded) await this.loadLatest(name);
    } catch (e) {
      if (e.code === 'unavailable') return; // the next reconnect joins again
      this.updateRoom(name, (r) => ({ ...r, error: errorText(e) }));
      this.notify(`Could not join #${name}: ${errorText(e)}`);
    }
  }

  async loadLatest(name) {
    try {
      let res;
      try {
        res = await this.conn.request('history', { room: name, limit: PAGE });
      } catch (e) {
        if (e.code === 'unavailable') throw e;
        res = await api.roomHistory(this.session.token, name, { limit: PAGE }); // same data over HTTP
      }
      const msgs = res?.messages || [];
      this.updateRoom(name, (r) => ({ ...r, loaded: true, messages: mergeBySeq(r.messages, msgs),
        hasMore: msgs.length >= PAGE && msgs[0].seq > 1 }));
    } catch (e) {
      if (e.code !== 'unavailable') this.notify(`Could not load #${name}: ${errorText(e)}`);
    }
  }

  async loadOlder(name) {
    const room = this.state.rooms[name];
    if (!room || room.loadingOlder || !room.hasMore || !room.loaded) return;
    const before = room.messages.length ? room.messages[0].seq : undefined;
    if (before === undefined) return;
    this.updateRoom(name, (r) => ({ ...r, loadingOlder: true }));
    try {
      const res = this.conn.isOpen
        ? await this.conn.request('history', { room: name, before, limit: PAGE })
        : await api.roomHistory(this.session.token, name, { before, limit: PAGE });
      const msgs = res?.messages || [];
      this.updateRoom(name, (r) => ({ ...r, loadingOlder: false, messages: mergeBySeq(r.messages, msgs),
        hasMore: msgs.length >= PAGE && msgs[0].seq > 1 }));
    } catch (e) {
      this.updateRoom(name, (r) => ({ ...r, loadingOlder: false }));
      this.notify(`Could not load older messages: ${errorText(e)}`);
    }
  }

  joinRoom(name) {
    if (!this.state.rooms[name]) {
      this.set((s) => ({ rooms: { ...s.rooms, [name]: newRoom(name) }, roomOrder: [...s.roomOrder, name] }));
      if (this.conn.isOpen) this.joinOnServer(name);
    }
    this.select({ type: 'room', name });
  }

  leaveRoom(name) {
    if (!this.state.rooms[name]) return;
    this.stopTyping(name);
    if (this.conn.isOpen) this.conn.request('room:leave', { room: name }).catch(() => {});
    this.set((s) => {
      const rooms = { ...s.rooms };
      delete rooms[name];
      const roomOrder = s.roomOrder.filter((n) => n !== name);
      const typing = { ...s.typing };
      delete typing[name];
      let active = s.active;
      if (active?.type === 'room' && active.name === name) {
        active = roomOrder.length ? { type: 'room', name: roomOrder[0] } : null;
      }
      return { rooms, roomOrder, typing, active };
    });
    this.persist();
    this.scheduleRefresh();
  }

  select(active) {
    this.set((s) => {
      const patch = { active };
      if (active?.type === 'room' && s.rooms[active.name]?.unread) {
        patch.rooms = { ...s.rooms, [active.name]: { ...s.rooms[active.name], unread: 0 } };
      }
      if (active?.type === 'dm') {
        const c = s.dms[active.id] || { peerId: active.id, username: s.users[active.id] || active.username || `user ${active.id}`, messages: [] };
        patch.dms = { ...s.dms, [active.id]: { ...c, unread: 0 } };
      }
      return patch;
    });
    this.persist();
  }

  applyRoomList(list) {
    if (!Array.isArray(list)) return;
    this.set((s) => {
      const rooms = { ...s.rooms };
      for (const { name, members } of list) {
        if (rooms[name] && rooms[name].members !== members) rooms[name] = { ...rooms[name], members };
      }
      return { available: list, rooms };
    });
  }

  async refreshRooms() {
    try { this.applyRoomList(await this.conn.request('rooms:list')); } catch { /* next poll */ }
  }

  async refreshPresence() {
    try {
      const list = await this.conn.request('presence:list', {});
      if (!Array.isArray(list)) return;
      this.set((s) => {
        const users = { ...s.users };
        for (const u of list) users[u.userId] = u.username;
        return { online: list, users };
      });
    } catch { /* next poll */ }
  }

  scheduleRefresh() {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      if (this.conn.isOpen) { this.refreshRooms(); this.refreshPresence(); }
    }, 300);
  }

  // ---- sending ----------------------------------------------------------------
  checkText(text) {
    if (!text.trim()) return null;
    if (codePoints(text) > MAX_TEXT_CHARS) return { code: 'too_large' };
    return true;
  }

  async sendMessage(name, text) {
    const ok = this.checkText(text);
    if (ok === null) return false;
    if (ok !== true) { this.notify(errorText(ok)); return false; }
    this.stopTyping(name);
    const clientMsgId = newClientMsgId();
    const item = { clientMsgId, text, ts: Date.now(), from: this.me, status: 'sending' };
    this.updateRoom(name, (r) => ({ ...r, pending: [...r.pending, item] }));
    this.deliverRoomMessage(name, item);
    return true;
  }

  async deliverRoomMessage(name, item) {
    const { clientMsgId, text } = item;
    try {
      const reply = await this.conn.request('message:send', { room: name, text, clientMsgId });
      this.updateRoom(name, (r) => {
        if (r.messages.some((m) => m.seq === reply.seq)) {
          return { ...r, pending: r.pending.filter((p) => p.clientMsgId !== clientMsgId) };
        }
        return { ...r, pending: r.pending.map((p) => (p.clientMsgId === clientMsgId ? { ...p, seq: reply.seq, status: 'sent' } : p)) };
      });
    } catch (e) {
      this.updateRoom(name, (r) => ({ ...r,
        pending: r.pending.map((p) => (p.clientMsgId === clientMsgId ? { ...p, status: 'failed', error: errorText(e) } : p)) }));
      this.notify(errorText(e));
    }
  }

  retryRoomMessage(name, clientMsgId) {
    const p = this.state.rooms[name]?.pending.find((x) => x.clientMsgId === clientMsgId);
    if (!p) return;
    this.updateRoom(name, (r) => ({ ...r,
      pending: r.pending.map((x) => (x.clientMsgId === clientMsgId ? { ...x, status: 'sending', error: null } : x)) }));
    this.deliverRoomMessage(name, p);
  }

  discardRoomMessage(name, clientMsgId) {
    this.updateRoom(name, (r) => ({ ...r, pending: r.pending.filter((x) => x.clientMsgId !== clientMsgId) }));
  }

  async sendPrivate(peerId, text) {
    const ok = this.checkText(text);
    if (ok === null) return false;
    if (ok !== true) { this.notify(errorText(ok)); return false; }
    const clientMsgId = newClientMsgId();
    const item = { id: null, clientMsgId, from: this.me, to: peerId, text, ts: Date.now(), status: 'sending' };
    this.addDm(peerId, item, false);
    this.deliverPrivate(peerId, item);
    return true;
  }

  async deliverPrivate(peerId, item) {
    const patch = (fields) => this.set((s) => {
      const c = s.dms[peerId];
      if (!c) return null;
      return { dms: { ...s.dms, [peerId]: { ...c,
        messages: c.messages.map((m) => (m.clientMsgId === item.clientMsgId && m.from.id === this.me.id ? { ...m, ...fields } : m)) } } };
    });
    try {
      const reply = await this.conn.request('message:private', { to: peerId, text: item.text, clientMsgId: item.clientMsgId });
      patch({ id: reply.id, ts: reply.ts ?? item.ts, status: 'sent', error: null });
      this.persistDms();
    } catch (e) {
      patch({ status: 'failed', error: errorText(e) });
      this.notify(errorText(e));
    }
  }

  retryPrivate(peerId, clientMsgId) {
    const m = this.state.dms[peerId]?.messages.find((x) => x.clientMsgId === clientMsgId && x.status === 'failed');
    if (!m) return;
    this.set((s) => ({ dms: { ...s.dms, [peerId]: { ...s.dms[peerId],
      messages: s.dms[peerId].messages.map((x) => (x === m ? { ...x, status: 'sending', error: null } : x)) } } }));
    this.deliverPrivate(peerId, m);
  }

  discardPrivate(peerId, clientMsgId) {
    this.set((s) => ({ dms: { ...s.dms, [peerId]: { ...s.dms[peerId],
      messages: s.dms[peerId].messages.filter((x) => !(x.clientMsgId === clientMsgId && x.status === 'failed')) } } }));
  }

  addDm(peerId, msg, incoming) {
    this.set((s) => {
      const c = s.dms[peerId] || { peerId, username: s.users[peerId] || `user ${peerId}`, messages: [], unread: 0 };
      if (msg.id != null && c.messages.some((m) => m.id === msg.id)) return null;
      if (msg.clientMsgId && msg.from.id === this.me.id
        && c.messages.some((m) => m.clientMsgId === msg.clientMsgId && m.from.id === this.me.id)) return null;
      const isActive = s.active?.type === 'dm' && String(s.active.id) === String(peerId);
      const username = msg.from.id !== this.me.id ? msg.from.username : c.username;
      return { dms: { ...s.dms, [peerId]: { ...c, username,
        messages: [...c.messages, msg],
        unread: incoming && !isActive && msg.from.id !== this.me.id ? (c.unread || 0) + 1 : c.unread || 0 } } };
    });
    if (incoming) this.persistDms();
  }

  // ---- typing -------------------------------------------------------------------
  typing(name) {
    if (!this.conn.isOpen || !this.state.rooms[name]) return;
    const t = this.typingState[name] || (this.typingState[name] = { sentAt: 0, stopTimer: null });
    const now = Date.now();
    if (now - t.sentAt > TYPING_REFRESH) {
      t.sentAt = now;
      this.conn.request('typing:start', { room: name }).catch(() => {});
    }
    clearTimeout(t.stopTimer);
    t.stopTimer = setTimeout(() => this.stopTyping(name), TYPING_IDLE);
  }

  stopTyping(name) {
    const t = this.typingState[name];
    if (!t) return;
    clearTimeout(t.stopTimer);
    delete this.typingState[name];
    if (t.sentAt && this.conn.isOpen) this.conn.request('typing:stop', { room: name }).catch(() => {});
  }

  setTyping(room, userId, on) {
    if (String(userId) === String(this.me.id)) return;
    this.set((s) => {
      const cur = s.typing[room] || {};
      if (!on && !(userId in cur)) return null;
      const next = { ...cur };
      if (on) next[userId] = Date.now() + TYPING_TTL;
      else delete next[userId];
      return { typing: { ...s.typing, [room]: next } };
    });
  }

  sweepTyping() {
    const now = Date.now();
    let changed = false;
    const typing = {};
    for (const [room, users] of Object.entries(this.state.typing)) {
      const keep = {};
      for (const [u, exp] of Object.entries(users)) {
        if (exp > now) keep[u] = exp; else changed = true;
      }
      typing[room] = keep;
    }
    if (changed) this.set({ typing });
  }

  // ---- server pushes ----------------------------------------------------------------
  handleEvent(event, data) {
    switch (event) {
      case 'message:received': return this.onRoomMessage(data);
      case 'message:private:received': {
        if (!data || !data.from) return;
        const mine = String(data.from.id) === String(this.me.id);
        const peerId = mine ? data.to : data.from.id;
        if (!mine) this.set((s) => ({ users: { ...s.users, [data.from.id]: data.from.username } }));
        this.addDm(peerId, { ...data, status: 'sent' }, true);
        return;
      }
      case 'typing:user:start': return data && this.setTyping(data.room, data.userId, true);
      case 'typing:user:stop': return data && this.setTyping(data.room, data.userId, false);
      case 'user:joined':
      case 'user:left':
        if (data?.userId != null && data.username) {
          this.set((s) => ({ users: { ...s.users, [data.userId]: data.username } }));
        }
        if (event === 'user:left' && data) this.setTyping(data.room, data.userId, false);
        this.scheduleRefresh();
        return;
      case 'error':
        if (data) this.notify(errorText(data));
        return;
      default:
        return;
    }
  }

  onRoomMessage(m) {
    if (!m || !this.state.rooms[m.room]) return;
    if (m.from) this.setTyping(m.room, m.from.id, false);
    this.updateRoom(m.room, (r) => {
      const messages = mergeBySeq(r.messages, [m]);
      if (messages === r.messages) return null; // duplicate
      const pending = r.pending.filter((p) => !(m.clientMsgId && p.clientMsgId === m.clientMsgId) && p.seq !== m.seq);
      const s = this.state;
      const isActive = s.active?.type === 'room' && s.active.name === m.room;
      const fromMe = m.from && String(m.from.id) === String(this.me.id);
      const unread = !isActive && !fromMe ? r.unread + 1 : r.unread;
      return { ...r, messages, pending, unread };
    });
    if (m.from) this.set((s) => (s.users[m.from.id] === m.from.username ? null : { users: { ...s.users, [m.from.id]: m.from.username } }));
  }
}
