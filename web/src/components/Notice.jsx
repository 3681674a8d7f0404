export default function Notice({ notice, onDismiss }) {
  return (
    <div className="notice-region" role="alert" aria-live="assertive">
      {notice && (
        <div className={`notice notice-${notice.kind}`} key={notice.id}>
          <span>{notice.text}</span>
          <button type="button" className="icon-btn" aria-label="Dismiss" onClick={onDismiss}>×</button>
        </div>
      )}
    </div>
  );
}
