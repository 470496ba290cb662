import { AttachIcon } from '../../common/icons.js';

/** Over the conversation while files are dragged onto it: "Drop files to send them to #general". */
export function DropOverlay({ label }: { label: string }) {
  return (
    <div className="drop-target" data-testid="drop-target">
      <div className="drop-target__box">
        <AttachIcon />
        <span>
          Drop files to send them to <strong>{label}</strong>
        </span>
      </div>
    </div>
  );
}
