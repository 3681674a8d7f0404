import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ChatStore } from '../chat.js';
import { useChat } from '../useChat.js';
import Avatar from './Avatar.jsx';
import ConnectionStatus from './ConnectionStatus.jsx';
import Conversation from './Conversation.jsx';
import Notice from './Notice.jsx';
import Sidebar from './Sidebar.jsx';

export default function ChatApp({ session, onLogout }) {
  const store = useMemo(() => new ChatStore(session, { onExpired: (reason) => onLogout(reason) }), [session]); // eslint-disable-line react-hooks/exhaustive-deps
  const state = useChat(store);
  const [menuOpen, setMenuOpen] = useState(false);
  const menuBtn = useRef(null);

  useEffect(() => {
    store.start();
    // A small hook for the browser tests: drop the socket as a network failure would.
    window.parleyDebug = { dropConnection: () => store.conn.dropAsIfNetworkFailed() };
    return () => { store.stop(); delete window.parleyDebug; };
  }, [store]);

  useEffect(() => {
    if (!menuOpen) return undefined;
    const onKey = (e) => { if (e.key === 'Escape') { setMenuOpen(false); menuBtn.current?.focus(); } };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [menuOpen]);

  const closeMenu = useCallback(() => setMenuOpen(false), []);
  const unreadTotal = Object.values(state.rooms).reduce((n, r) => n + (r.unread || 0), 0)
    + Object.values(state.dms).reduce((n, c) => n + (c.unread || 0), 0);

  useEffect(() => {
    document.title = unreadTotal ? `(${unreadTotal}) Parley` : 'Parley';
  }, [unreadTotal]);

  return (
    <div className={`app${menuOpen ? ' menu-open' : ''}`}>
      <a className="skip-link" href="#composer-input">Skip to message box</a>
      <header className="topbar">
        <button ref={menuBtn} type="button" className="icon-btn menu-btn" aria-label="Rooms and people"
          aria-expanded={menuOpen} aria-controls="sidebar" onClick={() => setMenuOpen((o) => !o)}>
          <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true"><path fill="currentColor" d="M3 6h18v2H3zm0 5h18v2H3zm0 5h18v2H3z"/></svg>
          {unreadTotal > 0 && <span className="menu-badge" aria-hidden="true" />}
        </button>
        <div className="brand"><span className="brand-mark" aria-hidden="true">P</span> Parley</div>
        <ConnectionStatus conn={state.conn} onRetry={() => store.conn.reconnectNow()} />
        <div className="me">
          <Avatar name={state.me.username} size={28} />
          <span className="me-name" aria-label={`Signed in as ${state.me.username}`}>{state.me.username}</span>
          <button type="button" className="btn btn-small btn-ghost" onClick={() => { store.stop(); onLogout(''); }}>
            Sign out
          </button>
        </div>
      </header>
      <div className="body">
        <nav id="sidebar" className="sidebar" aria-label="Rooms and people">
          <Sidebar state={state} store={store} onNavigate={closeMenu} />
        </nav>
        {menuOpen && <div className="scrim" onClick={closeMenu} aria-hidden="true" />}
        <main className="main">
          <Conversation state={state} store={store} />
        </main>
      </div>
      <Notice notice={state.notice} onDismiss={() => store.dismissNotice()} />
    </div>
  );
}
