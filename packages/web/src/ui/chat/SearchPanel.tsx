import { Fragment, useEffect, useRef, useState } from 'react';
import { formatTime, type SearchResult } from '@conclave/client';
import { SearchIcon } from '../common/icons.js';
import { SidePanel } from './SidePanel.js';
import { dayLabel } from './timeline.js';

/** Pause after the last key press before searching, ms. */
const DEBOUNCE_MS = 150;
/** Results asked for. */
const LIMIT = 30;

/** Props of `SearchPanel`. */
export interface SearchPanelProps {
  /** Searches the messages kept on this browser (`ChatModel.search`). */
  search: (query: string, limit: number) => Promise<SearchResult[]>;
  /** Opens a result's conversation at its message. */
  onOpen: (result: SearchResult) => void;
  phone: boolean;
  onClose: () => void;
  /** Changes when the search shortcut is pressed again: the field gets the focus back. */
  focusRequest: number;
}

type State =
  | { kind: 'idle' }
  | { kind: 'searching' }
  | { kind: 'done'; query: string; results: SearchResult[] }
  | { kind: 'failed'; message: string };

/**
 * "Search messages": a search field (results as you type, over the messages
 * kept on this browser: they are end-to-end encrypted, the server cannot
 * search them) and the results, best first, each saying where, who and when,
 * with the matching words marked. Choosing one opens its conversation at it.
 */
export function SearchPanel({ search, onOpen, phone, onClose, focusRequest }: SearchPanelProps) {
  const [query, setQuery] = useState('');
  const [state, setState] = useState<State>({ kind: 'idle' });
  const field = useRef<HTMLInputElement>(null);
  const latest = useRef(0);

  useEffect(() => {
    field.current?.focus();
    field.current?.select();
  }, [focusRequest]);

  useEffect(() => {
    const q = query.trim();
    const n = ++latest.current;
    if (q === '') {
      setState({ kind: 'idle' });
      return;
    }
    setState((s) => (s.kind === 'done' ? s : { kind: 'searching' }));
    const timer = setTimeout(() => {
      search(q, LIMIT).then(
        (results) => n === latest.current && setState({ kind: 'done', query: q, results }),
        (err: unknown) => n === latest.current && setState({ kind: 'failed', message: err instanceof Error ? err.message : String(err) }),
      );
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [query, search]);

  const status =
    state.kind === 'idle'
      ? 'Search the messages kept on this browser.'
      : state.kind === 'searching'
        ? 'Searching…'
        : state.kind === 'failed'
          ? `Search failed: ${state.message}`
          : state.results.length === 0
            ? `No messages found for “${state.query}”.`
            : `${state.results.length === LIMIT ? `${LIMIT}+` : state.results.length} ${state.results.length === 1 ? 'result' : 'results'}`;

  return (
    <SidePanel title="Search messages" phone={phone} onClose={onClose} className="panel--search">
      <form role="search" className="search" onSubmit={(e) => e.preventDefault()}>
        <span className="search__icon" aria-hidden="true">
          <SearchIcon />
        </span>
        <input
          ref={field}
          type="search"
          className="field__input search__input"
          aria-label="Search messages"
          placeholder="Search messages"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          enterKeyHint="search"
          autoComplete="off"
          spellCheck={false}
        />
      </form>
      <p className="search__status" role="status">
        {status}
      </p>
      {state.kind === 'done' && state.results.length > 0 && (
        <ul className="results" aria-label="Search results">
          {state.results.map((r) => (
            <li key={r.key}>
              <button type="button" className="result" onClick={() => onOpen(r)}>
                <span className="result__meta">
                  <span className="result__where">{r.where}</span>
                  <span className="result__sender">{r.sender}</span>
                  <time className="result__time" dateTime={new Date(r.at).toISOString()}>
                    {dayLabel(r.at)}, {formatTime(r.at)}
                  </time>
                </span>
                <span className="result__snippet">
                  <Marked text={r.snippet} query={state.query} />
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </SidePanel>
  );
}

/** `text` with the words of `query` (and words they begin) marked. */
function Marked({ text, query }: { text: string; query: string }) {
  const words = query
    .split(/\s+/)
    .filter((w) => w.length > 1)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  if (words.length === 0) return <>{text}</>;
  const parts = text.split(new RegExp(`(${words.join('|')})`, 'gi'));
  return (
    <>
      {parts.map((part, i) => (i % 2 === 1 ? <mark key={i}>{part}</mark> : <Fragment key={i}>{part}</Fragment>))}
    </>
  );
}
