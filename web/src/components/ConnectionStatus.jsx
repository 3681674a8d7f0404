import { useEffect, useState } from 'react';

const LABEL = {
  connecting: 'Connecting…',
  open: 'Connected',
  reconnecting: 'Reconnecting…',
  expired: 'Session expired',
  stopped: 'Offline',
  idle: 'Offline',
};

export default function ConnectionStatus({ conn, onRetry }) {
  const [, tick] = useState(0);
  const waiting = conn.state === 'reconnecting' && conn.retryAt > Date.now();
  useEffect(() => {
    if (!waiting) return undefined;
    const t = setInterval(() => tick((x) => x + 1), 1000);
    return () => clearInterval(t);
  }, [waiting]);
  const secs = waiting ? Math.ceil((conn.retryAt - Date.now()) / 1000) : 0;
  const label = waiting ? `Offline — retrying in ${secs}s` : LABEL[conn.state] || conn.state;
  return (
    <div className={`conn conn-${conn.state}`} role="status" aria-live="polite" data-state={conn.state}>
      <span className="conn-dot" aria-hidden="true" />
      <span className="conn-label">{label}</span>
      {waiting && <button type="button" className="link conn-retry" onClick={onRetry}>Retry now</button>}
    </div>
  );
}
