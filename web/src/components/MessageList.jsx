import { Fragment, useCallback, useLayoutEffect, useRef, useState } from 'react';
import Avatar from './Avatar.jsx';
import { formatDay, formatTime } from '../util.js';

const NEAR_BOTTOM = 80;
const NEAR_TOP = 120;
const GROUP_MS = 5 * 60 * 1000;

const keyOf = (m) => (m.seq != null ? `s${m.seq}` : m.id != null ? `i${m.id}` : `c${m.clientMsgId}`);

/**
 * A scrolling message log. Keeps the view pinned to the bottom while the reader
 * is there, keeps the reading position when older history is prepended, and
 * asks for older history when scrolled near the top.
 */
export default function MessageList({ items, me, label, online = true, complete = true, hasMore, loadingOlder, onLoadOlder, emptyText, onRetry, onDiscard }) {
  const ref = useRef(null);
  const snap = useRef({ height: 0, top: 0, first: null, last: null, atBottom: true });
  const [newBelow, setNewBelow] = useState(0);

  const first = items.length ? keyOf(items[0]) : null;
  const last = items.length ? keyOf(items[items.length - 1]) : null;
  const lastMine = items.length ? String(items[items.length - 1].from?.id) === String(me.id) : false;

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const s = snap.current;
    if (s.first === null && s.last === null) {
      el.scrollTop = el.scrollHeight; // first render
    } else if (first !== s.first && last === s.last) {
      el.scrollTop = s.top + (el.scrollHeight - s.height); // older history prepended
    } else if (last !== s.last) {
      if (s.atBottom || lastMine) { el.scrollTop = el.scrollHeight; setNewBelow(0); }
      else setNewBelow((n) => n + 1);
    } else if (s.atBottom) {
      el.scrollTop = el.scrollHeight;
    }
    snap.current = { height: el.scrollHeight, top: el.scrollTop, first, last,
      atBottom: el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM };
    // Not enough history to scroll yet: fetch more so the reader can scroll up.
    if (hasMore && !loadingOlder && items.length && el.scrollHeight <= el.clientHeight + NEAR_TOP) onLoadOlder?.();
  });

  const onScroll = useCallback(() => {
    const el = ref.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM;
    snap.current = { ...snap.current, height: el.scrollHeight, top: el.scrollTop, atBottom };
    if (atBottom) setNewBelow(0);
    if (el.scrollTop < NEAR_TOP && hasMore && !loadingOlder) onLoadOlder?.();
  }, [hasMore, loadingOlder, onLoadOlder]);

  const jumpDown = () => {
    const el = ref.current;
    if (el) el.scrollTop = el.scrollHeight;
    setNewBelow(0);
  };

  let prev = null;
  return (
    <div className="messages-wrap">
      <div className="messages" ref={ref} onScroll={onScroll} tabIndex={0}>
        <div className="history-edge">
          {hasMore ? (
            <button type="button" className="link" onClick={() => onLoadOlder?.()} disabled={loadingOlder}>
              {loadingOlder ? 'Loading earlier messages…' : 'Load earlier messages'}
            </button>
          ) : items.length > 0 && complete ? <span>This is the beginning of the conversation.</span> : null}
        </div>
        {items.length === 0 && !hasMore && <p className="empty">{emptyText}</p>}
        <ol className="message-list" role="log" aria-live="polite" aria-relevant="additions" aria-label={label}>
          {items.map((m) => {
            const mine = String(m.from?.id) === String(me.id);
            const newDay = !prev || new Date(prev.ts).toDateString() !== new Date(m.ts).toDateString();
            const grouped = !newDay && prev && String(prev.from?.id) === String(m.from?.id) && m.ts - prev.ts < GROUP_MS && prev.status !== 'failed';
            prev = m;
            const name = mine ? 'You' : m.from?.username || 'unknown';
            // Own messages: pending (in the outbox), sent (stored: it has a seq), failed (refused; Retry).
            const status = mine ? (m.status === 'failed' ? 'failed' : m.status === 'pending' ? 'pending' : 'sent') : undefined;
            return (
              <Fragment key={keyOf(m)}>
                {newDay && <li className="day" role="separator" aria-label={formatDay(m.ts)}><span>{formatDay(m.ts)}</span></li>}
                <li className={`msg${grouped ? ' grouped' : ''}${mine ? ' mine' : ''}${status === 'failed' ? ' failed' : ''}${status === 'pending' ? ' pending sending' : ''}`}
                  data-seq={m.seq ?? undefined} data-author={m.from?.username} data-status={status}
                  data-client-msg-id={m.clientMsgId || undefined}>
                  {grouped ? <span className="msg-gutter" aria-hidden="true"><time className="msg-time-hover" dateTime={new Date(m.ts).toISOString()}>{formatTime(m.ts)}</time></span>
                    : <Avatar name={m.from?.username} size={34} />}
                  <div className="msg-body">
                    <div className={grouped ? 'sr-only' : 'msg-meta'}>
                      <span className="msg-author">{name}</span>
                      <time className="msg-time" dateTime={new Date(m.ts).toISOString()}>{formatTime(m.ts)}</time>
                    </div>
                    <p className="msg-text">{m.text}</p>
                    {status === 'pending' && (
                      <span className="msg-status msg-pending">
                        <span aria-hidden="true">◷ </span>{online ? 'Sending…' : 'Pending — will be sent when you are back online'}
                      </span>
                    )}
                    {status === 'sent' && <span className="msg-status msg-sent" title="Sent"><span aria-hidden="true">✓</span><span className="sr-only">Sent</span></span>}
                    {status === 'failed' && (
                      <span className="msg-status msg-error" role="alert">
                        Not sent: {m.error}{' '}
                        <button type="button" className="link" onClick={() => onRetry?.(m.clientMsgId)}>Retry</button>{' '}
                        <button type="button" className="link" onClick={() => onDiscard?.(m.clientMsgId)}>Discard</button>
                      </span>
                    )}
                  </div>
                </li>
              </Fragment>
            );
          })}
        </ol>
      </div>
      {newBelow > 0 && (
        <button type="button" className="new-below" onClick={jumpDown}>
          {newBelow === 1 ? '1 new message' : `${newBelow} new messages`} ↓
        </button>
      )}
    </div>
  );
}
