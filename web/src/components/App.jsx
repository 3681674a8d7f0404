import { useState } from 'react';
import { clearSession, loadSession, saveSession } from '../session.js';
import Login from './Login.jsx';
import ChatApp from './ChatApp.jsx';

export default function App() {
  const [{ session, message }, setState] = useState(() => {
    const { session: s, expired } = loadSession();
    return { session: s, message: expired ? 'Your session has expired. Please sign in again.' : '' };
  });

  if (!session) {
    return (
      <Login
        message={message}
        onLogin={(s) => { saveSession(s); setState({ session: s, message: '' }); }}
      />
    );
  }
  return (
    <ChatApp
      key={session.token}
      session={session}
      onLogout={(reason) => { clearSession(); setState({ session: null, message: reason || '' }); }}
    />
  );
}
