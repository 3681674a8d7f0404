import { useEffect, useRef, useState } from 'react';
import * as api from '../api.js';

const NAME_RE = /^[a-z0-9_.-]{3,32}$/;

export default function Login({ message, onLogin }) {
  const [mode, setMode] = useState('login');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const userRef = useRef(null);

  useEffect(() => { userRef.current?.focus(); }, [mode]);

  async function submit(e) {
    e.preventDefault();
    setError('');
    const name = username.trim();
    if (mode === 'register') {
      if (!NAME_RE.test(name)) { setError('Usernames are 3–32 characters: lowercase letters, digits, “_”, “.” or “-”.'); return; }
      if ([...password].length < 8) { setError('The password must be at least 8 characters.'); return; }
    }
    if (!name || !password) { setError('Enter your username and password.'); return; }
    setBusy(true);
    try {
      if (mode === 'register') await api.register(name, password);
      const res = await api.login(name, password);
      onLogin({ token: res.token, expiresAt: res.expiresAt, user: res.user });
    } catch (err) {
      setBusy(false);
      if (err.status === 401) setError('Wrong username or password.');
      else if (err.code === 'conflict') setError('That username is taken. Pick another one.');
      else if (err.code === 'rate_limited') setError('Too many attempts. Wait a moment and try again.');
      else setError(err.message || 'Something went wrong.');
    }
  }

  const isLogin = mode === 'login';
  return (
    <main className="auth">
      <div className="auth-card">
        <div className="brand brand-lg" aria-hidden="true"><span className="brand-mark">P</span> Parley</div>
        <h1 className="auth-title">{isLogin ? 'Sign in' : 'Create an account'}</h1>
        {message && <p className="banner banner-info" role="status">{message}</p>}
        <form onSubmit={submit} noValidate aria-describedby={error ? 'auth-error' : undefined}>
          <label className="field">
            <span>Username</span>
            <input ref={userRef} name="username" autoComplete="username" autoCapitalize="none" spellCheck="false"
              value={username} onChange={(e) => setUsername(e.target.value)} required />
          </label>
          <label className="field">
            <span>Password</span>
            <input name="password" type="password" autoComplete={isLogin ? 'current-password' : 'new-password'}
              value={password} onChange={(e) => setPassword(e.target.value)} required />
          </label>
          {!isLogin && <p className="hint">3–32 lowercase letters, digits, “_”, “.” or “-”; password of 4 or more characters.</p>}
          {error && <p id="auth-error" className="banner banner-error" role="alert">{error}</p>}
          <button className="btn btn-primary btn-block" type="submit" disabled={busy}>
            {busy ? 'Please wait…' : isLogin ? 'Sign in' : 'Create account'}
          </button>
        </form>
        <p className="auth-switch">
          {isLogin ? 'New here?' : 'Already have an account?'}{' '}
          <button type="button" className="link" onClick={() => { setMode(isLogin ? 'register' : 'login'); setError(''); }}>
            {isLogin ? 'Create an account' : 'Sign in'}
          </button>
        </p>
      </div>
    </main>
  );
}
