import { useCallback } from 'react';
import MessageList from './MessageList.jsx';
import Composer from './Composer.jsx';
import TypingIndicator from './TypingIndicator.jsx';

const SUGGESTED = ['general', 'random'];

function Welcome({ store }) {
  return (
    <div className="welcome">
      <h1>Welcome to Parley</h1>
      <p>Join a room to start chatting, or pick someone who is online to send a direct message.</p>
      <div className="welcome-actions">
        {SUGGESTED.map((n) => (
          <button key={n} type="button" className="btn" onClick={() => store.joinRoom(n)}>Join #{n}</button>
        ))}
      </div>
    </div>
  );
}

/** The outbox items of a room or conversation, less any already held as a stored message (reply still due). */
function outboxFor(state, kind, target, messages) {
  const items = state.outbox.filter((o) => o.kind === kind && String(o.target) === String(target));
  if (!items.length) return items;
  const stored = new Set(messages.map((m) => m.clientMsgId).filter(Boolean));
  return items.filter((o) => !stored.has(o.clientMsgId)).map((o) => ({ ...o, from: state.me }));
}

function RoomView({ state, store, name }) {
  const room = state.rooms[name];
  const pending = outboxFor(state, 'room', name, room.messages);
  const items = pending.length ? room.messages.concat(pending) : room.messages;
  const typingIds = Object.keys(state.typing[name] || {});
  const typingNames = typingIds.map((id) => state.users[id] || 'Someone');
  const loadOlder = useCallback(() => store.loadOlder(name), [store, name]);
  return (
    <section className="conversation" aria-labelledby="conv-title">
      <header className="conv-head">
        <div className="conv-title-wrap">
          <h1 id="conv-title" className="conv-title"><span className="hash" aria-hidden="true">#</span>{name}</h1>
          <span className="conv-sub" aria-live="polite">
            {room.members != null ? `${room.members} ${room.members === 1 ? 'member' : 'members'} online` : 'Joining…'}
          </span>
        </div>
        <button type="button" className="btn btn-small btn-ghost" onClick={() => store.leaveRoom(name)}
          aria-label={`Leave #${name}`}>Leave</button>
      </header>
      {room.error && <p className="banner banner-error conv-banner" role="alert">{room.error}</p>}
      <MessageList key={`r:${name}`} items={items} me={state.me} label={`Messages in #${name}`}
        online={state.conn.state === 'open'} complete={room.loaded}
        hasMore={room.loaded && room.hasMore} loadingOlder={room.loadingOlder} onLoadOlder={loadOlder}
        emptyText={room.loaded ? `No messages in #${name} yet. Say hello!` : 'Loading messages…'}
        onRetry={(id) => store.retryMessage(id)} onDiscard={(id) => store.discardMessage(id)} />
      <TypingIndicator names={typingNames} />
      <Composer label={`Message #${name}`} placeholder={`Message #${name}`}
        onSend={(text) => store.sendMessage(name, text)}
        onTyping={() => store.typing(name)} onStopTyping={() => store.stopTyping(name)} />
    </section>
  );
}

function DmView({ state, store, peerId }) {
  const c = state.dms[peerId] || { messages: [], loaded: false, username: state.users[peerId] || `user ${peerId}` };
  const online = state.online.some((u) => String(u.userId) === String(peerId));
  const pending = outboxFor(state, 'dm', peerId, c.messages);
  const items = pending.length ? c.messages.concat(pending) : c.messages;
  const typingNames = Object.keys(state.typing[`dm:${peerId}`] || {}).map(() => c.username);
  const loadOlder = useCallback(() => store.loadOlderDm(peerId), [store, peerId]);
  return (
    <section className="conversation" aria-labelledby="conv-title">
      <header className="conv-head">
        <div className="conv-title-wrap">
          <h1 id="conv-title" className="conv-title">{c.username}</h1>
          <span className="conv-sub"><span className={`presence${online ? ' on' : ''}`} aria-hidden="true" /> {online ? 'Online' : 'Offline'} · direct message</span>
        </div>
      </header>
      <MessageList key={`d:${peerId}`} items={items} me={state.me} label={`Direct messages with ${c.username}`}
        online={state.conn.state === 'open'} complete={c.loaded}
        hasMore={c.loaded && c.hasMore} loadingOlder={c.loadingOlder} onLoadOlder={loadOlder}
        emptyText={c.loaded || state.conn.state !== 'open' ? `This is the start of your conversation with ${c.username}.` : 'Loading messages…'}
        onRetry={(id) => store.retryMessage(id)} onDiscard={(id) => store.discardMessage(id)} />
      <TypingIndicator names={typingNames} />
      <Composer label={`Message ${c.username}`} placeholder={`Message ${c.username}`}
        onSend={(text) => store.sendPrivate(peerId, text)}
        onTyping={() => store.typingDm(peerId)} onStopTyping={() => store.stopTyping(`dm:${peerId}`)} />
    </section>
  );
}

export default function Conversation({ state, store }) {
  const a = state.active;
  if (a?.type === 'room' && state.rooms[a.name]) return <RoomView state={state} store={store} name={a.name} />;
  if (a?.type === 'dm') return <DmView state={state} store={store} peerId={a.id} />;
  return <Welcome store={store} />;
}
