import Avatar from './Avatar.jsx';
import JoinRoomForm from './JoinRoomForm.jsx';

const SUGGESTED = ['general', 'random'];

function Count({ n, label }) {
  if (n == null) return null;
  return <span className="count" aria-label={label}>{n}</span>;
}

function Unread({ n }) {
  if (!n) return null;
  return <span className="unread" aria-label={`${n} unread`}>{n > 99 ? '99+' : n}</span>;
}

export default function Sidebar({ state, store, onNavigate }) {
  const { rooms, roomOrder, available, online, dms, active, me } = state;
  const availableCounts = Object.fromEntries(available.map((r) => [r.name, r.members]));
  const others = [...new Set([...SUGGESTED, ...available.map((r) => r.name)])]
    .filter((n) => !rooms[n])
    .sort((a, b) => (availableCounts[b] ?? -1) - (availableCounts[a] ?? -1) || a.localeCompare(b));
  const onlineOthers = online.filter((u) => String(u.userId) !== String(me.id));
  const onlineIds = new Set(online.map((u) => String(u.userId)));
  const outboxTo = new Set(state.outbox.filter((o) => o.kind === 'dm').map((o) => String(o.target)));
  const newest = (c) => Math.max(c.lastTs || 0, ...state.outbox.filter((o) => o.kind === 'dm' && String(o.target) === String(c.peerId)).map((o) => o.ts));
  const dmList = Object.values(dms)
    .filter((c) => c.lastSeq > 0 || c.messages.length || outboxTo.has(String(c.peerId))
      || (active?.type === 'dm' && String(active.id) === String(c.peerId)))
    .sort((a, b) => newest(b) - newest(a) || a.username.localeCompare(b.username));

  const go = (a) => { store.select(a); onNavigate(); };
  const isActive = (a) => active && active.type === a.type && String(active.name ?? active.id) === String(a.name ?? a.id);

  return (
    <>
      <section className="side-section" aria-labelledby="rooms-h">
        <h2 id="rooms-h" className="side-h">Your rooms</h2>
        {roomOrder.length === 0 && <p className="side-empty">{state.synced ? 'You have not joined a room yet.' : 'Loading your rooms…'}</p>}
        <ul className="side-list" aria-label="Joined rooms">
          {roomOrder.map((name) => {
            const r = rooms[name];
            const a = { type: 'room', name };
            return (
              <li key={name}>
                <button type="button" className={`side-item${isActive(a) ? ' active' : ''}`}
                  aria-current={isActive(a) ? 'page' : undefined} onClick={() => go(a)}
                  data-room={name} data-unread={r.unread || 0}>
                  <span className="hash" aria-hidden="true">#</span>
                  <span className="side-name">{name}</span>
                  <Unread n={r.unread} />
                  <Count n={r.members} label={`${r.members} online`} />
                </button>
              </li>
            );
          })}
        </ul>
        <JoinRoomForm onJoin={(n) => { store.joinRoom(n); onNavigate(); }} />
        {others.length > 0 && (
          <>
            <h3 className="side-sub">Other rooms</h3>
            <ul className="side-list" aria-label="Other rooms">
              {others.map((name) => (
                <li key={name}>
                  <button type="button" className="side-item side-item-muted"
                    onClick={() => { store.joinRoom(name); onNavigate(); }} aria-label={`Join #${name}`}
                    data-join-room={name}>
                    <span className="hash" aria-hidden="true">#</span>
                    <span className="side-name">{name}</span>
                    <Count n={availableCounts[name]} label={`${availableCounts[name]} online`} />
                    <span className="join-chip" aria-hidden="true">Join</span>
                  </button>
                </li>
              ))}
            </ul>
          </>
        )}
      </section>

      <section className="side-section" aria-labelledby="dm-h">
        <h2 id="dm-h" className="side-h">Direct messages</h2>
        {dmList.length > 0 && (
          <ul className="side-list" aria-label="Conversations">
            {dmList.map((c) => {
              const a = { type: 'dm', id: c.peerId, username: c.username };
              return (
                <li key={c.peerId}>
                  <button type="button" className={`side-item${isActive(a) ? ' active' : ''}`}
                    aria-current={isActive(a) ? 'page' : undefined} onClick={() => go(a)} data-dm={c.username} data-unread={c.unread || 0}>
                    <span className={`presence${onlineIds.has(String(c.peerId)) ? ' on' : ''}`} aria-hidden="true" />
                    <span className="side-name">{c.username}</span>
                    <Unread n={c.unread} />
                  </button>
                </li>
              );
            })}
          </ul>
        )}
        <h3 className="side-sub" id="online-h">Online now</h3>
        {onlineOthers.length === 0 && <p className="side-empty">Nobody else is online.</p>}
        <ul className="side-list" aria-labelledby="online-h">
          {onlineOthers.map((u) => (
            <li key={u.userId}>
              <button type="button" className="side-item person" data-user={u.username}
                aria-label={`Message ${u.username}`}
                onClick={() => go({ type: 'dm', id: u.userId, username: u.username })}>
                <Avatar name={u.username} size={22} />
                <span className="side-name">{u.username}</span>
                <span className="presence on" aria-hidden="true" />
              </button>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
