import { useId, useState } from 'react';
import { ROOM_RE } from '../util.js';

export default function JoinRoomForm({ onJoin }) {
  const [name, setName] = useState('');
  const [error, setError] = useState('');
  const id = useId();

  function submit(e) {
    e.preventDefault();
    const n = name.trim().replace(/^#/, '');
    if (!ROOM_RE.test(n)) {
      setError('Room names are 1–64 letters, digits, “_”, “.” or “-”.');
      return;
    }
    setError('');
    setName('');
    onJoin(n);
  }

  return (
    <form className="join-form" onSubmit={submit} noValidate>
      <label htmlFor={id} className="sr-only">Join or create a room</label>
      <input id={id} placeholder="Join or create a room" value={name} maxLength={65}
        onChange={(e) => { setName(e.target.value); if (error) setError(''); }}
        aria-invalid={error ? 'true' : undefined} aria-describedby={error ? `${id}-err` : undefined}
        autoCapitalize="none" spellCheck="false" />
      <button type="submit" className="btn btn-small">Join</button>
      {error && <p id={`${id}-err`} className="field-error" role="alert">{error}</p>}
    </form>
  );
}
