import { useEffect, useRef, useState, type RefObject } from 'react';

/** Whether a drag carries files (not text or a link dragged from the page). */
function carriesFiles(event: DragEvent): boolean {
  return event.dataTransfer?.types.includes('Files') === true;
}

/**
 * Files dragged onto `ref`'s element go to `onFiles` (while `enabled`);
 * returns whether files are being dragged over it now (to show the drop
 * target). Files dropped anywhere else in the window are ignored rather than
 * opened by the browser, which would leave the chat.
 */
export function useFileDrop(ref: RefObject<HTMLElement | null>, onFiles: (files: File[]) => void, enabled: boolean): boolean {
  const [over, setOver] = useState(false);
  const handler = useRef(onFiles);
  handler.current = onFiles;

  useEffect(() => {
    const el = ref.current;
    if (el === null || !enabled) return;
    // dragenter/dragleave fire for every child crossed: count them.
    let depth = 0;
    const enter = (event: DragEvent): void => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      depth++;
      setOver(true);
    };
    const overIt = (event: DragEvent): void => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      event.stopPropagation();
      if (event.dataTransfer !== null) event.dataTransfer.dropEffect = 'copy';
    };
    const leave = (event: DragEvent): void => {
      if (!carriesFiles(event)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setOver(false);
    };
    const drop = (event: DragEvent): void => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      event.stopPropagation();
      depth = 0;
      setOver(false);
      const files = Array.from(event.dataTransfer?.files ?? []);
      if (files.length > 0) handler.current(files);
    };
    // Elsewhere in the window: no drop (the browser would navigate to the file).
    const refuse = (event: DragEvent): void => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      if (event.dataTransfer !== null) event.dataTransfer.dropEffect = 'none';
    };
    el.addEventListener('dragenter', enter);
    el.addEventListener('dragover', overIt);
    el.addEventListener('dragleave', leave);
    el.addEventListener('drop', drop);
    window.addEventListener('dragover', refuse);
    window.addEventListener('drop', refuse);
    return () => {
      el.removeEventListener('dragenter', enter);
      el.removeEventListener('dragover', overIt);
      el.removeEventListener('dragleave', leave);
      el.removeEventListener('drop', drop);
      window.removeEventListener('dragover', refuse);
      window.removeEventListener('drop', refuse);
      setOver(false);
    };
  }, [ref, enabled]);

  return over;
}
