import { formatTime } from '@conclave/client';

/** A message's time ("14:05"), with the full date and time as its tooltip. */
export function Time({ at }: { at: number }) {
  return (
    <time className="time" dateTime={new Date(at).toISOString()} title={new Date(at).toLocaleString()}>
      {formatTime(at)}
    </time>
  );
}
