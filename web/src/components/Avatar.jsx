import { colorFor } from '../util.js';

export default function Avatar({ name, size = 32 }) {
  const letter = (name || '?').slice(0, 1).toUpperCase();
  return (
    <span className="avatar" aria-hidden="true"
      style={{ background: colorFor(name || '?'), width: size, height: size, fontSize: size * 0.45 }}>
      {letter}
    </span>
  );
}
