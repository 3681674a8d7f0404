import { useEffect, useRef, useState } from 'react';
import { MAX_TEXT_CHARS, codePoints } from '../util.js';

export default function Composer({ label, placeholder, onSend, onTyping, onStopTyping, disabled }) {
  const [text, setText] = useState('');
  const ref = useRef(null);

  useEffect(() => { ref.current?.focus(); }, [label]);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, 160)}px`;
  }, [text]);

  const n = codePoints(text);
  const over = n > MAX_TEXT_CHARS;

  async function send() {
    if (!text.trim() || over) return;
    const ok = await onSend(text);
    if (ok !== false) setText('');
    ref.current?.focus();
  }

  return (
    <form className="composer" onSubmit={(e) => { e.preventDefault(); send(); }}>
      <label className="sr-only" htmlFor="composer-input">{label}</label>
      <textarea id="composer-input" ref={ref} rows={1} value={text} placeholder={placeholder}
        aria-describedby="composer-hint"
        onChange={(e) => { setText(e.target.value); if (e.target.value) onTyping?.(); else onStopTyping?.(); }}
        onBlur={() => onStopTyping?.()}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) { e.preventDefault(); send(); }
        }} />
      <button type="submit" className="btn btn-primary send-btn" disabled={disabled || !text.trim() || over}
        aria-label="Send message">
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path fill="currentColor" d="M3.4 20.4 21 12 3.4 3.6 3.4 10l12.6 2-12.6 2z"/></svg>
      </button>
      <p id="composer-hint" className={`composer-hint${over ? ' over' : ''}`}>
        {over ? `Too long: ${n} / ${MAX_TEXT_CHARS} characters` : n > MAX_TEXT_CHARS - 200 ? `${n} / ${MAX_TEXT_CHARS}` : 'Enter to send · Shift+Enter for a new line'}
      </p>
    </form>
  );
}
