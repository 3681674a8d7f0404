// ChatStore: the client's state and everything that changes it. React reads it
// through useSyncExternalStore (see useChat.js); components call its methods.
//
// What the user has lives on the server (docs/protocol.md §8): the rooms come from `rooms:mine`, the
// conversations from `dm:list`, read state from their `readSeq`/`unread` and from `read:marked`. Both are
// fetched on every (re)connect. The device keeps only the session, the open conversation and the outbox.
//
// Resume without gaps or duplicates: each room and conversation holds its messages sorted by seq. After every
// (re)connect each room is joined again with `since` = the highest seq held, and each loaded conversation asks
// `dm:history` with `since`; every insert is deduplicated by seq, so a replayed or doubled push is harmless.
//
// Outbox: a message is first an outbox item with a clientMsgId made when it is typed, persisted per user. It
// is sent when the connection is up (rooms: once joined on this connection), one at a time in the order typed,
// and resent with the same clientMsgId after a lost connection or reload until the server answers; the server
// stores a clientMsgId once (§8 idempotent sends). An error other than `unavailable` marks it failed (Retry).

import { Connection } from './connection.js';
import * as api from './api.js';
import { readUserState, writeUserState, removeUserState } from './session.js';
import { MAX_TEXT_CHARS, codePoints, errorText, newClientMsgId } from './util.js';

const PAGE = 50;
const CATCH_UP_PAGE = 100;
const TYPING_TTL = 6000;      // a peer's typing indicator fades if not refreshed
const TYPING_IDLE = 3000;     // we send typing:stop after this much idle time
const TYPING_REFRESH = 2500;  // and repeat typing:start this often while typing
const POLL_MS = 15000;        // rooms, conversations and presence refresh
const READ_DEBOUNCE = 400;    // read:mark is sent this long after the last change
const RESEND_MS = 3000;       // an outbox item answered `unavailable` on a live connection is retried after this

function newRoom(name, extra) {
  return { name, members: null, messages: [], loaded: false, loadingOlder: false, hasMore: true,
    lastSeq: 0, readSeq: 0, unread: 0, joined: false, localOnly: false, error: null, ...extra };
}

function newDm(peerId, username) {
  return { peerId, username, messages: [], loaded: false, loadingOlder: false, hasMore: true,
    lastSeq: 0, readSeq: 0, unread: 0, lastTs: 0 };
}

function maxSeq(conv) {
  return conv.messages.length ? conv.messages[conv.messages.length - 1].seq : 0;
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

const convKey = (kind, key) => `${kind}:${key}`;
const dmTypingKey = (peerId) => `dm:${peerId}`;

export class ChatStore {
  constructor(session, { onExpired }) {
    this.session = session;
    this.me = session.user;
    this.onExpired = onExpired;
    this.listeners = new Set();
    this.typingState = {};       // typing key (room name or dm:<id>) -> { sentAt, stopTimer }
    this.pendingMarks = new Map(); // conv key -> { kind, key, seq } not yet sent
    this.pendingLeaves = new Set(); // rooms left while disconnected
    this.inFlight = new Set();   // clientMsgIds being sent
    this.dmTyping = null;        // does the server take typing:start {with}? null = not known on this connection
    this.countRequests = 0;      // requests that answer member counts, numbered as sent (see newerCount)
    const uid = this.me.id;
    removeUserState(uid, 'dms'); // direct messages are on the server now (§8)
    const outbox = readUserState(uid, 'outbox', []).filter((o) => o && o.clientMsgId && o.text && o.target != null)
      .map((o) => (o.status === 'failed' ? o : { ...o, status: 'pending' }));
    const active = readUserState(uid, 'active', null);
    const rooms = {};
    if (active?.type === 'room') rooms[active.name] = newRoom(active.name);
    for (const o of outbox) if (o.kind === 'room' && !rooms[o.target]) rooms[o.target] = newRoom(o.target);
    const dms = {};
    if (active?.type === 'dm') dms[active.id] = newDm(Number(active.id), active.username || `user ${active.id}`);
    for (const o of outbox) if (o.kind === 'dm' && !dms[o.target]) dms[o.target] = newDm(Number(o.target), o.username || `user ${o.target}`);
    this.state = {
      me: this.me,
      conn: { state: 'connecting' },
      synced: false,       // rooms:mine and dm:list answered at least once
      rooms,
      roomOrder: Object.keys(rooms).sort(),
      available: [],
      online: [],
      users: { [uid]: this.me.username },
      dms,
      outbox,
      active,
      typing: {},
      notice: null,
    };
    this.conn = new Connection({
      token: session.token,
      onStatus: (s) => this.onStatus(s),
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

  updateDm(peerId, fn, username) {
    this.set((s) => {
      const c = s.dms[peerId] || newDm(Number(peerId), username || s.users[peerId] || `user ${peerId}`);
      const d = fn(c);
      if (!d || (d === c && s.dms[peerId])) return null;
      return { dms: { ...s.dms, [peerId]: d } };
    });
  }

  persistActive() {
    writeUserState(this.me.id, 'active', this.state.active);
  }

  persistOutbox() {
    writeUserState(this.me.id, 'outbox', this.state.outbox.map(({ clientMsgId, kind, target, username, text, ts, status, error }) =>
      ({ clientMsgId, kind, target, username, text, ts, status, error })));
  }

  setOutbox(fn) {
    this.set((s) => {
      const outbox = fn(s.outbox);
      return outbox === s.outbox ? null : { outbox };
    });
    this.persistOutbox();
  }

  // ---- lifecycle ------------------------------------------------------------
  start() {
    this.conn.start();
    // Show the room list right away, even before the socket is up.
    const at = ++this.countRequests;
    api.listRooms(this.session.token).then((list) => this.applyRoomList(list, at), () => {});
    this.poll = setInterval(() => {
      if (this.conn.isOpen) { this.refreshRooms(); this.refreshPresence(); this.syncRooms(false); this.syncDms(false); }
    }, POLL_MS);
    this.sweep = setInterval(() => this.sweepTyping(), 1000);
    this.onVisible = () => this.markActiveRead();
    document.addEventListener('visibilitychange', this.onVisible);
    window.addEventListener('focus', this.onVisible);
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
    clearTimeout(this.markTimer);
    clearTimeout(this.resendTimer);
    clearTimeout(this.syncTimer);
    document.removeEventListener('visibilitychange', this.onVisible);
    window.removeEventListener('focus', this.onVisible);
    for (const t of Object.values(this.typingState)) clearTimeout(t.stopTimer);
    this.conn.stop();
  }

  expire(reason) {
    this.stop();
    this.onExpired(reason);
  }

  onStatus(status) {
    if (status.state !== 'open') {
      // Room membership belongs to the connection: nothing is joined until the next open rejoins.
      this.set((s) => {
        if (!Object.values(s.rooms).some((r) => r.joined)) return { conn: status };
        const rooms = {};
        for (const [n, r] of Object.entries(s.rooms)) rooms[n] = r.joined ? { ...r, joined: false } : r;
        return { conn: status, rooms };
      });
      for (const t of Object.values(this.typingState)) clearTimeout(t.stopTimer);
      this.typingState = {};
      return;
    }
    this.set({ conn: status });
  }

  handleOpen() {
    this.dmTyping = null;
    for (const name of this.pendingLeaves) this.conn.request('room:leave', { room: name }).catch(() => {});
    this.pendingLeaves.clear();
    this.sendMarks();
    this.syncRooms(true);
    this.syncDms(true);
    this.flushOutbox(); // direct messages go at once; room messages once their room is joined
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

  // ---- read state -------------------------------------------------------------
  isMine(m) {
    return m.from && String(m.from.id) === String(this.me.id);
  }

  /**
   * Adds messages (pushes, replays, history) to a room or conversation; counts as unread the ones from other
   * users past both the read mark and the newest seq counted so far (the server's `unread` covers the rest).
   */
  absorb(conv, msgs) {
    const messages = mergeBySeq(conv.messages, msgs);
    if (messages === conv.messages) return conv;
    let { lastSeq, unread } = conv;
    for (const m of [...msgs].sort((a, b) => a.seq - b.seq)) {
      if (m.seq <= lastSeq) continue;
      if (!this.isMine(m) && m.seq > conv.readSeq) unread += 1;
      lastSeq = m.seq;
    }
    const newest = messages[messages.length - 1];
    return { ...conv, messages, lastSeq, unread, lastTs: Math.max(conv.lastTs || 0, newest?.ts || 0) };
  }

  /** Unread after the read mark moved to `readSeq`, from the messages held (all of them past a loaded start). */
  unreadAfter(conv, readSeq) {
    if (readSeq >= conv.lastSeq) return 0;
    return conv.messages.filter((m) => m.seq > readSeq && !this.isMine(m)).length;
  }

  /** Applies a server snapshot {lastSeq, readSeq, unread} (rooms:mine, dm:list) to what is held. */
  snapshot(conv, s) {
    const readSeq = Math.max(conv.readSeq, s.readSeq || 0);
    const lastSeq = Math.max(conv.lastSeq, s.lastSeq || 0);
    let unread = s.unread || 0;
    for (const m of conv.messages) if (m.seq > (s.lastSeq || 0) && m.seq > readSeq && !this.isMine(m)) unread += 1;
    if (readSeq > (s.readSeq || 0)) unread = Math.min(unread, this.unreadAfter({ ...conv, lastSeq }, readSeq));
    return { ...conv, readSeq, lastSeq, unread };
  }

  activeConv(s = this.state) {
    const a = s.active;
    if (a?.type === 'room') return s.rooms[a.name] ? { kind: 'room', key: a.name, conv: s.rooms[a.name] } : null;
    if (a?.type === 'dm') return s.dms[a.id] ? { kind: 'dm', key: a.id, conv: s.dms[a.id] } : null;
    return null;
  }

  /** The open room or conversation, if the page is visible, is read up to the newest message it shows. */
  markActiveRead() {
    if (typeof document !== 'undefined' && document.visibilityState === 'hidden') return;
    const a = this.activeConv();
    if (!a || !a.conv.loaded) return;
    const seq = maxSeq(a.conv);
    if (seq > a.conv.readSeq || a.conv.unread) this.markRead(a.kind, a.key, Math.max(seq, a.conv.readSeq));
  }

  markRead(kind, key, seq) {
    const fn = (c) => ({ ...c, readSeq: Math.max(c.readSeq, seq), unread: this.unreadAfter(c, Math.max(c.readSeq, seq)) });
    if (kind === 'room') this.updateRoom(key, fn); else this.updateDm(key, fn);
    const k = convKey(kind, key);
    const prev = this.pendingMarks.get(k);
    if (!prev || prev.seq < seq) this.pendingMarks.set(k, { kind, key, seq });
    clearTimeout(this.markTimer);
    this.markTimer = setTimeout(() => this.sendMarks(), READ_DEBOUNCE);
  }

  sendMarks() {
    if (!this.conn.isOpen) return; // sent again by handleOpen
    for (const [k, mark] of this.pendingMarks) {
      this.pendingMarks.delete(k);
      const data = mark.kind === 'room' ? { room: mark.key, seq: mark.seq } : { with: Number(mark.key), seq: mark.seq };
      this.conn.request('read:mark', data).catch((e) => {
        if (e.code === 'unavailable' && !this.pendingMarks.has(k)) this.pendingMarks.set(k, mark);
      });
    }
  }

  /** read:marked from another of the user's connections. */
  onReadMarked(d) {
    if (!d || typeof d.seq !== 'number') return;
    const apply = (c) => {
      const readSeq = Math.max(c.readSeq, d.seq);
      if (readSeq === c.readSeq && !(c.unread && readSeq >= c.lastSeq)) return c;
      if (readSeq < c.lastSeq && !c.loaded) this.scheduleSync();
      return { ...c, readSeq, unread: Math.min(c.unread, this.unreadAfter(c, readSeq)) };
    };
    if (typeof d.room === 'string') this.updateRoom(d.room, apply);
    else if (d.with != null && this.state.dms[d.with]) this.updateDm(d.with, apply);
  }

  // ---- rooms ----------------------------------------------------------------
  /**
   * rooms:mine. On a (re)connect (`full`) it is the list: rooms left elsewhere go, and each room is joined on
   * this connection. On a poll it only adds rooms joined elsewhere and refreshes the counts.
   */
  async syncRooms(full) {
    let list;
    const at = ++this.countRequests;
    try { list = await this.conn.request('rooms:mine'); } catch { return; }
    if (!Array.isArray(list)) return;
    const legacy = readUserState(this.me.id, 'rooms', null); // the room list an older client kept on the device
    this.set((s) => {
      const rooms = {};
      for (const e of list) {
        if (this.pendingLeaves.has(e.name)) continue;
        const r = s.rooms[e.name] || newRoom(e.name);
        rooms[e.name] = { ...this.snapshot(r, e), ...this.newerCount(r, e.members, at) };
      }
      for (const [n, r] of Object.entries(s.rooms)) {
        if (rooms[n]) continue;
        // Keep a room joined on this device but not yet on the server, one the outbox writes to, and on a poll
        // any room this connection is in (its join may be newer than the list).
        if (r.localOnly || (!full && r.joined) || s.outbox.some((o) => o.kind === 'room' && o.target === n)) rooms[n] = r;
      }
      if (Array.isArray(legacy)) for (const n of legacy) if (typeof n === 'string' && !rooms[n]) rooms[n] = newRoom(n, { localOnly: true });
      let active = s.active;
      if (active?.type === 'room' && !rooms[active.name]) active = null;
      return { rooms, roomOrder: Object.keys(rooms).sort(), active, synced: true };
    });
    if (Array.isArray(legacy)) removeUserState(this.me.id, 'rooms');
    this.persistActive();
    for (const [name, r] of Object.entries(this.state.rooms)) if (!r.joined) this.joinOnServer(name);
    this.markActiveRead();
  }

  async joinOnServer(name) {
    const room = this.state.rooms[name];
    if (!room || room.joining) return;
    const data = { room: name };
    if (room.loaded) data.since = maxSeq(room);
    this.updateRoom(name, (r) => ({ ...r, joining: true }));
    const at = ++this.countRequests;
    try {
      const reply = await this.conn.request('room:join', data);
      this.updateRoom(name, (r) => ({ ...r, joining: false, joined: true, localOnly: false, error: null,
        ...this.newerCount(r, reply?.members, at), readSeq: Math.max(r.readSeq, reply?.readSeq || 0) }));
      if (!this.state.rooms[name]?.loaded) await this.loadLatest(name);
      this.flushOutbox();
      this.markActiveRead();
    } catch (e) {
      this.updateRoom(name, (r) => ({ ...r, joining: false }));
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
      this.updateRoom(name, (r) => ({ ...this.absorb(r, msgs), loaded: true,
        hasMore: msgs.length >= PAGE && msgs[0].seq > 1 }));
      this.markActiveRead();
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
      this.updateRoom(name, (r) => ({ ...this.absorb(r, msgs), loadingOlder: false,
        hasMore: msgs.length >= PAGE && msgs[0].seq > 1 }));
    } catch (e) {
      this.updateRoom(name, (r) => ({ ...r, loadingOlder: false }));
      this.notify(`Could not load older messages: ${errorText(e)}`);
    }
  }

  joinRoom(name) {
    this.pendingLeaves.delete(name);
    if (!this.state.rooms[name]) {
      this.set((s) => ({ rooms: { ...s.rooms, [name]: newRoom(name, { localOnly: true }) },
        roomOrder: [...s.roomOrder, name].sort() }));
      if (this.conn.isOpen) this.joinOnServer(name);
    }
    this.select({ type: 'room', name });
  }

  leaveRoom(name) {
    if (!this.state.rooms[name]) return;
    this.stopTyping(name);
    if (this.conn.isOpen) this.conn.request('room:leave', { room: name }).catch(() => {});
    else this.pendingLeaves.add(name);
    this.pendingMarks.delete(convKey('room', name));
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
    this.setOutbox((o) => (o.some((x) => x.kind === 'room' && x.target === name) ? o.filter((x) => !(x.kind === 'room' && x.target === name)) : o));
    this.persistActive();
    this.scheduleRefresh();
  }

  select(active) {
    if (active?.type === 'dm') {
      const id = Number(active.id);
      active = { type: 'dm', id, username: active.username || this.state.dms[id]?.username || this.state.users[id] };
      if (!this.state.dms[id]) this.updateDm(id, (c) => c, active.username);
    }
    this.set({ active });
    this.persistActive();
    if (active?.type === 'dm' && !this.state.dms[active.id]?.loaded) this.loadDm(active.id);
    this.markActiveRead();
  }

  /**
   * A room's member count comes from GET /api/rooms, rooms:list, rooms:mine and room:join, whose answers may
   * arrive in any order (an HTTP request sent at start can be answered after the join that followed it): a count
   * replaces the one shown only if its request (number `at`, from countRequests) was sent after that one's.
   */
  newerCount(room, members, at) {
    if (members == null || at <= (room.countAt || 0)) return {};
    return { members, countAt: at };
  }

  applyRoomList(list, at) {
    if (!Array.isArray(list)) return;
    this.set((s) => {
      const rooms = { ...s.rooms };
      for (const { name, members } of list) {
        const newer = rooms[name] ? this.newerCount(rooms[name], members, at) : {};
        if ('members' in newer) rooms[name] = { ...rooms[name], ...newer };
      }
      return { available: list, rooms };
    });
  }

  async refreshRooms() {
    const at = ++this.countRequests;
    try { this.applyRoomList(await this.conn.request('rooms:list'), at); } catch { /* next poll */ }
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

  /** Asks rooms:mine and dm:list again soon (a read mark moved further than what is held can tell). */
  scheduleSync() {
    clearTimeout(this.syncTimer);
    this.syncTimer = setTimeout(() => {
      if (this.conn.isOpen) { this.syncRooms(false); this.syncDms(false); }
    }, 300);
  }

  // ---- direct messages ------------------------------------------------------------
  /** dm:list: every conversation with its counts; on a (re)connect, loaded ones catch up with `since`. */
  async syncDms(full) {
    let list;
    try { list = await this.conn.request('dm:list'); } catch { return; }
    if (!Array.isArray(list)) return;
    this.set((s) => {
      const dms = { ...s.dms };
      const users = { ...s.users };
      for (const e of list) {
        if (!e?.with) continue;
        const id = Number(e.with.id);
        users[id] = e.with.username;
        const c = dms[id] || newDm(id, e.with.username);
        dms[id] = { ...this.snapshot(c, e), username: e.with.username, lastTs: Math.max(c.lastTs || 0, e.last?.ts || 0) };
      }
      return { dms, users, synced: true };
    });
    if (full) {
      for (const c of Object.values(this.state.dms)) if (c.loaded) this.catchUpDm(c.peerId);
      const a = this.state.active;
      if (a?.type === 'dm' && !this.state.dms[a.id]?.loaded) this.loadDm(a.id);
    }
    this.markActiveRead();
  }

  async loadDm(peerId) {
    const c = this.state.dms[peerId];
    if (!c || c.loading || !this.conn.isOpen) return;
    this.updateDm(peerId, (x) => ({ ...x, loading: true }));
    try {
      const res = await this.conn.request('dm:history', { with: Number(peerId), limit: PAGE });
      const msgs = res?.messages || [];
      this.updateDm(peerId, (x) => ({ ...this.absorb(x, msgs), loading: false, loaded: true,
        hasMore: msgs.length >= PAGE && msgs[0].seq > 1 }));
      this.markActiveRead();
    } catch (e) {
      this.updateDm(peerId, (x) => ({ ...x, loading: false }));
      if (e.code !== 'unavailable') this.notify(`Could not load the conversation: ${errorText(e)}`);
    }
  }

  /** After a reconnect: every message past the newest held, page by page. */
  async catchUpDm(peerId) {
    try {
      for (let i = 0; i < 50; i++) {
        const since = maxSeq(this.state.dms[peerId]);
        const res = await this.conn.request('dm:history', { with: Number(peerId), since, limit: CATCH_UP_PAGE });
        const msgs = res?.messages || [];
        this.updateDm(peerId, (x) => this.absorb(x, msgs));
        if (msgs.length < CATCH_UP_PAGE) break;
      }
      this.markActiveRead();
    } catch { /* the next reconnect catches up */ }
  }

  async loadOlderDm(peerId) {
    const c = this.state.dms[peerId];
    if (!c || c.loadingOlder || !c.hasMore || !c.loaded || !c.messages.length || !this.conn.isOpen) return;
    this.updateDm(peerId, (x) => ({ ...x, loadingOlder: true }));
    try {
      const res = await this.conn.request('dm:history', { with: Number(peerId), before: c.messages[0].seq, limit: PAGE });
      const msgs = res?.messages || [];
      this.updateDm(peerId, (x) => ({ ...this.absorb(x, msgs), loadingOlder: false,
        hasMore: msgs.length >= PAGE && msgs[0].seq > 1 }));
    } catch (e) {
      this.updateDm(peerId, (x) => ({ ...x, loadingOlder: false }));
      this.notify(`Could not load older messages: ${errorText(e)}`);
    }
  }

  onPrivateMessage(d) {
    if (!d || !d.from || typeof d.seq !== 'number') return;
    const mine = this.isMine(d);
    const peerId = Number(mine ? d.to : d.from.id);
    if (!mine) {
      this.set((s) => (s.users[d.from.id] === d.from.username ? null : { users: { ...s.users, [d.from.id]: d.from.username } }));
      this.setTyping(dmTypingKey(peerId), peerId, false);
    }
    const known = this.state.dms[peerId];
    this.updateDm(peerId, (c) => ({ ...this.absorb(c, [d]), username: mine ? c.username : d.from.username }),
      mine ? this.state.users[peerId] : d.from.username);
    if (mine && !known && !this.state.users[peerId]) this.scheduleSync(); // learn the other user's name
    // Sent from this user's other device: it is no longer in this device's outbox if it was there.
    if (mine && d.clientMsgId) this.setOutbox((o) => (o.some((x) => x.clientMsgId === d.clientMsgId) ? o.filter((x) => x.clientMsgId !== d.clientMsgId) : o));
    this.markActiveRead();
  }

  // ---- sending (the outbox) ----------------------------------------------------------
  checkText(text) {
    if (!text.trim()) return null;
    if (codePoints(text) > MAX_TEXT_CHARS) return { code: 'too_large' };
    return true;
  }

  enqueue(kind, target, text) {
    const ok = this.checkText(text);
    if (ok === null) return false;
    if (ok !== true) { this.notify(errorText(ok)); return false; }
    const item = { clientMsgId: newClientMsgId(), kind, target, text, ts: Date.now(), status: 'pending' };
    if (kind === 'dm') item.username = this.state.dms[target]?.username;
    this.setOutbox((o) => [...o, item]);
    this.flushOutbox();
    return true;
  }

  sendMessage(name, text) {
    this.stopTyping(name);
    return this.enqueue('room', name, text);
  }

  sendPrivate(peerId, text) {
    this.stopTyping(dmTypingKey(peerId));
    return this.enqueue('dm', Number(peerId), text);
  }

  /** Sends the pending outbox items, oldest first, one at a time; runs again whenever something may be sendable. */
  flushOutbox() {
    if (this.flushing) { this.flushAgain = true; return; }
    this.flushing = true;
    (async () => {
      try {
        do {
          this.flushAgain = false;
          for (const item of this.state.outbox) {
            if (!this.conn.isOpen) break;
            if (item.status !== 'pending' || this.inFlight.has(item.clientMsgId)) continue;
            if (item.kind === 'room' && !this.state.rooms[item.target]?.joined) continue;
            await this.deliver(item);
          }
        } while (this.flushAgain && this.conn.isOpen);
      } finally {
        this.flushing = false;
      }
    })();
  }

  async deliver(item) {
    const { clientMsgId, text } = item;
    if (!this.state.outbox.some((x) => x.clientMsgId === clientMsgId)) return; // discarded meanwhile
    this.inFlight.add(clientMsgId);
    try {
      if (item.kind === 'room') {
        const reply = await this.conn.request('message:send', { room: item.target, text, clientMsgId });
        const msg = { id: reply.id, room: item.target, seq: reply.seq, ts: reply.ts ?? item.ts, from: this.me, text, clientMsgId };
        this.updateRoom(item.target, (r) => this.absorb(r, [msg]));
      } else {
        const peerId = Number(item.target);
        const reply = await this.conn.request('message:private', { to: peerId, text, clientMsgId });
        const msg = { id: reply.id, seq: reply.seq, ts: reply.ts ?? item.ts, from: this.me, to: peerId, text, clientMsgId };
        this.updateDm(peerId, (c) => this.absorb(c, [msg]));
      }
      this.setOutbox((o) => o.filter((x) => x.clientMsgId !== clientMsgId));
      this.markActiveRead();
    } catch (e) {
      if (e.code === 'unavailable') {
        // Lost with the connection (the next open sends it again, with the same clientMsgId), or no answer
        // in time on a live connection: try again shortly.
        clearTimeout(this.resendTimer);
        this.resendTimer = setTimeout(() => this.flushOutbox(), RESEND_MS);
        return;
      }
      this.setOutbox((o) => o.map((x) => (x.clientMsgId === clientMsgId ? { ...x, status: 'failed', error: errorText(e) } : x)));
      this.notify(errorText(e));
    } finally {
      this.inFlight.delete(clientMsgId);
    }
  }

  retryMessage(clientMsgId) {
    this.setOutbox((o) => o.map((x) => (x.clientMsgId === clientMsgId && x.status === 'failed' ? { ...x, status: 'pending', error: null } : x)));
    this.flushOutbox();
  }

  discardMessage(clientMsgId) {
    if (this.inFlight.has(clientMsgId)) return;
    this.setOutbox((o) => o.filter((x) => x.clientMsgId !== clientMsgId));
  }

  // ---- typing -------------------------------------------------------------------
  /** Room typing (§3 typing:start {room}). */
  typing(name) {
    if (!this.conn.isOpen || !this.state.rooms[name]?.joined) return;
    this.typingTo(name, { room: name });
  }

  /**
   * Typing in a direct conversation. The contract has typing:start only for rooms (§3); a server that also takes
   * `typing:start {with}` is detected by the first answer on each connection: `bad_request` turns it off until
   * the next connection, so against this build it sends one refused request and nothing else.
   */
  typingDm(peerId) {
    if (!this.conn.isOpen || this.dmTyping === false) return;
    this.typingTo(dmTypingKey(peerId), { with: Number(peerId) });
  }

  typingTo(key, data) {
    const t = this.typingState[key] || (this.typingState[key] = { sentAt: 0, stopTimer: null, data });
    const now = Date.now();
    if (now - t.sentAt > TYPING_REFRESH) {
      t.sentAt = now;
      this.conn.request('typing:start', data).then(() => { if (data.with != null) this.dmTyping = true; }, (e) => {
        if (data.with != null && e.code === 'bad_request') { this.dmTyping = false; delete this.typingState[key]; clearTimeout(t.stopTimer); }
      });
    }
    clearTimeout(t.stopTimer);
    t.stopTimer = setTimeout(() => this.stopTyping(key), TYPING_IDLE);
  }

  stopTyping(key) {
    const t = this.typingState[key];
    if (!t) return;
    clearTimeout(t.stopTimer);
    delete this.typingState[key];
    if (t.sentAt && this.conn.isOpen && (t.data.room != null || this.dmTyping)) {
      this.conn.request('typing:stop', t.data).catch(() => {});
    }
  }

  setTyping(key, userId, on) {
    if (String(userId) === String(this.me.id)) return;
    this.set((s) => {
      const cur = s.typing[key] || {};
      if (!on && !(userId in cur)) return null;
      const next = { ...cur };
      if (on) next[userId] = Date.now() + TYPING_TTL;
      else delete next[userId];
      return { typing: { ...s.typing, [key]: next } };
    });
  }

  sweepTyping() {
    const now = Date.now();
    let changed = false;
    const typing = {};
    for (const [key, users] of Object.entries(this.state.typing)) {
      const keep = {};
      for (const [u, exp] of Object.entries(users)) {
        if (exp > now) keep[u] = exp; else changed = true;
      }
      typing[key] = keep;
    }
    if (changed) this.set({ typing });
  }

  /** typing:user:start/stop: `{room, userId}` (§3), or `{with, userId}` from a server with DM typing. */
  onTypingPush(d, on) {
    if (!d || d.userId == null) return;
    if (typeof d.room === 'string') this.setTyping(d.room, d.userId, on);
    else if (d.with != null) this.setTyping(dmTypingKey(Number(d.userId)), d.userId, on);
  }

  // ---- server pushes ----------------------------------------------------------------
  handleEvent(event, data) {
    switch (event) {
      case 'message:received': return this.onRoomMessage(data);
      case 'message:private:received': return this.onPrivateMessage(data);
      case 'read:marked': return this.onReadMarked(data);
      case 'typing:user:start': return this.onTypingPush(data, true);
      case 'typing:user:stop': return this.onTypingPush(data, false);
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
    if (!m || !this.state.rooms[m.room] || typeof m.seq !== 'number') return;
    if (m.from) this.setTyping(m.room, m.from.id, false);
    this.updateRoom(m.room, (r) => this.absorb(r, [m]));
    if (this.isMine(m) && m.clientMsgId) {
      this.setOutbox((o) => (o.some((x) => x.clientMsgId === m.clientMsgId && !this.inFlight.has(x.clientMsgId))
        ? o.filter((x) => x.clientMsgId !== m.clientMsgId) : o));
    }
    if (m.from) this.set((s) => (s.users[m.from.id] === m.from.username ? null : { users: { ...s.users, [m.from.id]: m.from.username } }));
    this.markActiveRead();
  }
}
