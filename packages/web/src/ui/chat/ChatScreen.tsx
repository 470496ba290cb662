import { useCallback, useEffect, useRef, useState } from 'react';
import type { ConversationId } from '@conclave/protocol';
import { conversationLabel, isConclaveError, parseCommand, type SearchResult } from '@conclave/client';
import type { CueHub } from '../../app/cues.js';
import { listenForNotificationClicks } from '../../app/notifications.js';
import type { Session } from '../../app/session.js';
import { AdminPage } from '../admin/AdminPage.js';
import { useChat, useMediaQuery } from '../common/hooks.js';
import { Announcer } from './Announcer.js';
import { Composer } from './Composer.js';
import { ConnectionBar } from './ConnectionBar.js';
import { ConversationHeader } from './ConversationHeader.js';
import { DropOverlay } from './files/DropOverlay.js';
import { forgetAll } from './files/file-urls.js';
import { sendFiles } from './files/send-files.js';
import { useFileDrop } from './files/use-file-drop.js';
import { JoinRoomDialog } from './JoinRoomDialog.js';
import { MessageActionsContext } from './message-actions.js';
import { MemberPanel } from './MemberPanel.js';
import { MessageList } from './MessageList.js';
import { SearchPanel } from './SearchPanel.js';
import { SettingsDialog } from './SettingsDialog.js';
import { ADMIN_ENTRY_ID, Sidebar } from './Sidebar.js';
import { SignOutDialog } from './SignOutDialog.js';
import { TopicDialog } from './TopicDialog.js';
import { useMessageUi } from './use-message-ui.js';
import { VerifyDialog } from './VerifyDialog.js';

/** The layout switches to one pane at a time below this width. */
export const PHONE_QUERY = '(max-width: 720px)';

type OpenDialog = { kind: 'join' } | { kind: 'sign-out' } | { kind: 'verify'; username: string } | { kind: 'topic' } | { kind: 'settings' } | null;

/** The side panel beside the conversation (a sheet on phones). */
type Panel = 'search' | 'members' | null;

/** Whether the keyboard focus is in a field that takes text (then "/" types a slash, not a shortcut). */
function typingInField(): boolean {
  const el = document.activeElement;
  return el instanceof HTMLElement && (el.isContentEditable || el.matches('input, textarea, select'));
}

/** The server ended this user's sessions: an admin signed them out everywhere, or deleted the account. */
function signedOutByAdmin(error: unknown): boolean {
  return isConclaveError(error, 'CONCLAVE_ERR_SESSION_REVOKED', 'CONCLAVE_ERR_ACCOUNT_DELETED');
}

/** Props of `ChatScreen`. */
export interface ChatScreenProps {
  session: Session;
  cues: CueHub;
  /** Signs out (from the dialog; `forget` deletes this browser's keys and history). */
  onSignOut: (forget: boolean) => Promise<void>;
  /** The session ended without the dialog (`/logout`, or the server ended it); `reason` is shown on the sign-in page. */
  onEnded: (reason?: string) => void;
}

/**
 * The chat: conversation list, the conversation (header, messages, composer),
 * the search and member panels, dialogs. Ctrl/⌘+K or "/" opens the search.
 * Files dropped on the conversation (a drop target shows while dragging)
 * are sent to it, one message each.
 */
export function ChatScreen({ session, cues, onSignOut, onEnded }: ChatScreenProps) {
  const { model, client } = session;
  const snapshot = useChat(model);
  const phone = useMediaQuery(PHONE_QUERY);
  const [pane, setPane] = useState<'list' | 'conversation'>('conversation');
  const [dialog, setDialog] = useState<OpenDialog>(null);
  /** The admin page replaces the conversation (admins only; a demotion closes it). */
  const [view, setView] = useState<'chat' | 'admin'>('chat');
  const isAdmin = snapshot.me?.role === 'admin';
  const adminOpen = isAdmin && view === 'admin';
  const [panel, setPanel] = useState<Panel>(null);
  const [searchFocus, setSearchFocus] = useState(0);
  const messageUi = useMessageUi(model, phone);
  const { compose, setCompose } = messageUi;
  const composeRef = useRef(compose);
  composeRef.current = compose;
  const main = useRef<HTMLElement>(null);

  // `model.current` is null while `opening` (a DM or room still being set up) is on screen.
  const shown = model.current;
  const opening = model.opening;
  const current = snapshot.conversations.find((c) => c.conversationId === shown);
  const onlineIds = new Set(snapshot.online.map((u) => u.userId));
  const unreadElsewhere = snapshot.conversations.reduce((n, c) => n + (c.conversationId === shown ? 0 : c.unread), 0);
  const mentionsElsewhere = snapshot.conversations.reduce((n, c) => n + (c.conversationId === shown ? 0 : c.mentions), 0);

  const open = useCallback(
    (conversationId: ConversationId) => {
      model.select(conversationId);
      setPane('conversation');
      setView('chat');
    },
    [model],
  );

  // Like typing `/msg USER`: the view switches at once (to the DM, or to it being set up).
  const messageUser = useCallback(
    (username: string) => {
      setPane('conversation');
      setView('chat');
      void model.submit(`/msg ${username}`);
    },
    [model],
  );

  // A line typed in the composer: `/msg` and `/join` switch the view (a phone shows the conversation);
  // while replying or editing, a text is that reply or the new text of the message.
  const submit = useCallback(
    (line: string) => {
      const command = parseCommand(line);
      if ((command.kind === 'msg' && command.text === null) || command.kind === 'join') {
        setPane('conversation');
        setView('chat');
      }
      const mode = composeRef.current;
      setCompose(null);
      void model.submit(line, mode === null ? {} : mode.kind === 'edit' ? { edit: mode.seq } : { replyTo: mode.seq });
    },
    [model, setCompose],
  );

  // A reply or an edit belongs to the conversation it was started in.
  useEffect(() => setCompose(null), [shown, setCompose]);
  // The Members button shows a count: a room shown without being selected here (restored at start) asks once.
  useEffect(() => {
    if (shown !== null && current?.kind === 'room' && model.members(shown).length === 0) void model.refreshMembers(shown);
  }, [model, shown, current?.kind]);
  // The member list is for rooms: it closes in a DM.
  useEffect(() => {
    if (panel === 'members' && current?.kind !== 'room') setPanel(null);
  }, [panel, current?.kind]);

  const openSearch = useCallback(() => {
    setPanel('search');
    setSearchFocus((n) => n + 1);
  }, []);

  // Ctrl/⌘+K anywhere, or "/" outside a text field, opens the search.
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      const k = (event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 'k';
      const slash = event.key === '/' && !event.ctrlKey && !event.metaKey && !event.altKey && !typingInField();
      if (!k && !slash) return;
      if (adminOpen) return;
      event.preventDefault();
      openSearch();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [openSearch, adminOpen]);

  const openResult = useCallback(
    (result: SearchResult) => {
      setPane('conversation');
      setView('chat');
      if (phone) setPanel(null);
      void messageUi.reveal(result.conversationId, result.key);
    },
    [messageUi.reveal, phone],
  );

  const toggleMembers = useCallback(() => {
    setPanel((p) => (p === 'members' ? null : 'members'));
    void model.refreshMembers();
  }, [model]);

  const search = useCallback((query: string, limit: number) => model.search(query, limit), [model]);

  // Notification clicks, /logout and /quit, a session the server ended.
  useEffect(() => {
    cues.openConversation = open;
    const unlisten = listenForNotificationClicks(open);
    model.onExit = (reason) => {
      if (reason === 'logout') onEnded();
      else model.system('To leave, close this tab (you stay signed in), or type /logout to sign out.');
    };
    const off = client.on('connection', (change) => {
      if (change.state === 'closed' && change.error !== undefined && (change.error.fatal || signedOutByAdmin(change.error))) onEnded(change.error.message);
    });
    // The server says why before it closes: an admin signed this user out everywhere, or deleted the account.
    const offError = client.on('error', (error) => {
      if (signedOutByAdmin(error)) onEnded(error.message);
    });
    return () => {
      cues.openConversation = null;
      unlisten();
      model.onExit = null;
      off();
      offError();
    };
  }, [client, cues, model, onEnded, open]);

  // A demoted admin's page closes (the server refuses them anyway).
  useEffect(() => {
    if (!isAdmin) setView('chat');
  }, [isAdmin]);

  // Browsers only let audio start after a user gesture.
  useEffect(() => {
    const unlock = (): void => cues.sounds.unlock();
    window.addEventListener('pointerdown', unlock, { once: true });
    window.addEventListener('keydown', unlock, { once: true });
    return () => {
      window.removeEventListener('pointerdown', unlock);
      window.removeEventListener('keydown', unlock);
    };
  }, [cues]);

  // On a phone, the list view has no conversation on screen (so every conversation counts unread);
  // a wider window always shows one.
  const back = useCallback(() => {
    model.select(null);
    setPane('list');
  }, [model]);
  useEffect(() => {
    const first = snapshot.conversations[0];
    if (!phone && model.current === null && model.opening === null && first !== undefined) model.select(first.conversationId);
  }, [model, phone, snapshot]);

  // Alt+↑ / Alt+↓ move through the conversations.
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (!event.altKey || (event.key !== 'ArrowUp' && event.key !== 'ArrowDown')) return;
      event.preventDefault();
      model.cycle(event.key === 'ArrowUp' ? -1 : 1);
      setPane('conversation');
      setView('chat');
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [model]);

  useEffect(() => {
    const total = snapshot.conversations.reduce((n, c) => n + c.unread, 0);
    const name = opening?.label ?? (current === undefined ? null : conversationLabel(current));
    document.title = total > 0 ? `(${total}) Conclave` : name === null ? 'Conclave' : `${name} · Conclave`;
  }, [snapshot, current, opening]);

  const label = opening?.label ?? (current === undefined ? null : conversationLabel(current));

  // Files chosen, pasted or dropped: one message each, to the conversation on screen.
  const sendTo = shown;
  const onFiles = useCallback(
    (files: File[]) => {
      if (sendTo !== null) void sendFiles(model, files, sendTo);
    },
    [model, sendTo],
  );
  const dragging = useFileDrop(main, onFiles, sendTo !== null && !adminOpen);
  // Nothing decrypted outlives the chat on screen (signing out, another tab taking over).
  useEffect(() => forgetAll, []);

  const verified = new Set(snapshot.verified);

  // Closing the admin page puts the focus back on its entry in the sidebar (where it was opened).
  const closeAdmin = (): void => {
    setView('chat');
    requestAnimationFrame(() => document.getElementById(ADMIN_ENTRY_ID)?.focus());
  };

  const members = current?.kind === 'room' ? model.members() : [];
  const me = snapshot.me?.username ?? null;

  // Both panes stay mounted; on a phone CSS shows one (data-pane), so drafts and scroll survive "Back".
  return (
    <MessageActionsContext.Provider value={messageUi.actions}>
      <div className={`chat ${phone ? 'chat--phone' : ''} ${panel !== null && !adminOpen ? 'chat--panel' : ''}`} data-pane={phone ? (adminOpen ? 'admin' : pane) : 'both'}>
        <Sidebar
          snapshot={snapshot}
          selected={adminOpen ? null : shown}
          adminOpen={adminOpen}
          onAdmin={() => setView('admin')}
          onSelect={open}
          onMessageUser={messageUser}
          onJoinRoom={() => setDialog({ kind: 'join' })}
          onSettings={() => setDialog({ kind: 'settings' })}
        />
        <main ref={main} className="conversation" hidden={adminOpen}>
          {dragging && label !== null && <DropOverlay label={label} />}
          <ConversationHeader
            conversation={current}
            opening={opening}
            peerVerified={current?.peer !== undefined && verified.has(current.peer.userId)}
            phone={phone}
            peerOnline={current?.peer !== undefined && onlineIds.has(current.peer.userId)}
            showBack={phone}
            unreadElsewhere={unreadElsewhere}
            mentionsElsewhere={mentionsElsewhere}
            sounds={cues.sounds}
            onBack={back}
            onVerify={(username) => setDialog({ kind: 'verify', username })}
            onSignOut={() => setDialog({ kind: 'sign-out' })}
            panel={panel}
            onSearch={openSearch}
            onMembers={toggleMembers}
            memberCount={members.length > 0 ? members.length : null}
            onEditTopic={() => setDialog({ kind: 'topic' })}
          />
          <ConnectionBar state={snapshot.connection} retryAt={model.retryAt} />
          <MessageList
            paneKey={label ?? ''}
            items={model.pane()}
            version={model.version}
            unreadMarker={shown === null ? null : model.unreadMarker(shown)}
            status={opening?.status ?? null}
            active={!adminOpen && (!phone || pane === 'conversation')}
            emptyText={label === null ? 'Join a room or message someone to start.' : `No messages in ${label} yet. Say hello!`}
            onSender={(username) => setDialog({ kind: 'verify', username })}
            onRetry={(key) => void model.retry(key)}
            onDiscard={(key) => model.discard(key)}
            seenBy={model.seenBy()}
            jump={messageUi.jump}
          />
          <Composer
            conversationKey={label ?? ''}
            placeholder={label === null ? 'Type /join #room or /help' : `Message ${label}`}
            check={(line) => model.check(line)}
            measure={(text) => model.measure(text)}
            onSubmit={submit}
            onActivity={() => cues.sounds.unlock()}
            autoFocus={!phone}
            mode={compose}
            onCancelMode={() => setCompose(null)}
            onEditLast={messageUi.editLast}
            onComposing={(text) => model.composing(text)}
            mentionCandidates={(prefix) => model.mentionCandidates(prefix)}
            typing={model.typingLine()}
            {...(sendTo !== null && { onFiles })}
          />
        </main>
        {!adminOpen && panel === 'search' && (
          <SearchPanel search={search} onOpen={openResult} phone={phone} onClose={() => setPanel(null)} focusRequest={searchFocus} />
        )}
        {!adminOpen && panel === 'members' && current?.kind === 'room' && (
          <MemberPanel
            members={members}
            me={me}
            phone={phone}
            onClose={() => setPanel(null)}
            onMessage={(username) => {
              if (phone) setPanel(null);
              messageUser(username);
            }}
          />
        )}
        {adminOpen && snapshot.me !== null && <AdminPage client={client} me={snapshot.me.username} phone={phone} onClose={closeAdmin} />}
        <Announcer cues={cues} current={shown} />

        {dialog?.kind === 'join' && (
          <JoinRoomDialog
            client={client}
            onClose={() => setDialog(null)}
            onJoined={(id) => {
              setDialog(null);
              open(id);
            }}
          />
        )}
        {dialog?.kind === 'sign-out' && (
          <SignOutDialog username={snapshot.me?.username ?? ''} onClose={() => setDialog(null)} onConfirm={onSignOut} />
        )}
        {dialog?.kind === 'topic' && current?.kind === 'room' && (
          <TopicDialog
            room={conversationLabel(current)}
            topic={current.topic ?? ''}
            onClose={() => setDialog(null)}
            onSave={async (topic) => {
              await client.setTopic(current.conversationId, topic);
            }}
          />
        )}
        {dialog?.kind === 'settings' && <SettingsDialog client={client} sounds={cues.sounds} onClose={() => setDialog(null)} />}
        {messageUi.overlays}
        {dialog?.kind === 'verify' && (
          <VerifyDialog
            model={model}
            username={dialog.username}
            onClose={() => setDialog(null)}
            onVerified={() => setDialog(null)}
            onMessage={() => {
              setDialog(null);
              messageUser(dialog.username);
            }}
          />
        )}
      </div>
    </MessageActionsContext.Provider>
  );
}
