/** A round initial in a colour derived from the name (the same name always gets the same colour). */
export function Avatar({ name, size = 'normal' }: { name: string; size?: 'normal' | 'small' }) {
  const initial = [...name.replace(/^[#@]/, '')][0]?.toUpperCase() ?? '?';
  return (
    <span className={`avatar avatar--${size} avatar--hue-${hueOf(name)}`} aria-hidden="true">
      {initial}
    </span>
  );
}

/** One of 8 palette slots for `name` (FNV-1a over its lower-cased UTF-16 code units). */
export function hueOf(name: string): number {
  let h = 0x811c9dc5;
  for (const ch of name.toLowerCase()) {
    h ^= ch.codePointAt(0) ?? 0;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % 8;
}
