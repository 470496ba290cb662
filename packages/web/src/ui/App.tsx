import { useCallback, useEffect, useRef, useState } from 'react';
import { inviteCodeIn, type Credentials } from '@conclave/client';
import { cues } from '../app/cues.js';
import { closeHere, resume, signIn, signOut, type Session } from '../app/session.js';
import { Register } from './auth/Register.js';
import { SignIn } from './auth/SignIn.js';
import { ChatScreen } from './chat/ChatScreen.js';
import { Elsewhere, Unreachable } from './Unreachable.js';

/** Which page is shown. */
type Phase =
  | { kind: 'starting' }
  | { kind: 'sign-in'; username: string; notice?: string | undefined }
  | { kind: 'register'; username: string; code?: string | undefined }
  | { kind: 'unreachable'; username: string; message: string }
  | { kind: 'elsewhere'; username: string }
  | { kind: 'chat'; session: Session };

const RETRY_DELAY_KEY = 'conclave.retryDelay';

/**
 * The page: resumes the last user's session on load (the token is an
 * HttpOnly cookie), else shows sign-in; after sign-in or register, the chat.
 * An invite link (`#/register?invite=CODE`) opens the register page instead.
 * One tab at a time runs a user's chat (see `tab-lock.ts`).
 */
export function App() {
  const [phase, setPhase] = useState<Phase>({ kind: 'starting' });
  const live = useRef<Session | null>(null);

  const show = useCallback((next: Phase) => {
    live.current = next.kind === 'chat' ? next.session : null;
    setPhase(next);
  }, []);

  // Another tab of this browser asked for the user: step aside.
  const takenOver = useCallback(() => {
    const session = live.current;
    if (session === null) return;
    const username = session.store.username;
    live.current = null;
    void closeHere(session).then(() => show({ kind: 'elsewhere', username }));
  }, [show]);

  const start = useCallback(
    async (takeOver = false) => {
      // An invite link (`#/register?invite=CODE`) opens the register page with its code filled in; the
      // fragment is then dropped, so a reload or a bookmark does not offer the used code again.
      const invite = inviteCodeIn(location.hash);
      if (invite !== undefined) {
        history.replaceState(null, '', `${location.pathname}${location.search}`);
        show({ kind: 'register', username: '', code: invite });
        return;
      }
      show({ kind: 'starting' });
      const result = await resume(cues.handle, takenOver, { takeOver });
      if (result.kind !== 'unreachable') sessionStorage.removeItem(RETRY_DELAY_KEY);
      if (result.kind === 'resumed') show({ kind: 'chat', session: result.session });
      else if (result.kind === 'sign-in') show({ kind: 'sign-in', username: result.username, notice: result.reason });
      else if (result.kind === 'elsewhere') show({ kind: 'elsewhere', username: result.username });
      else show({ kind: 'unreachable', username: result.username, message: result.error.message });
    },
    [show, takenOver],
  );

  // Once per page (StrictMode runs effects twice in development: one client, not two).
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    void start();
  }, [start]);

  const connect = async (credentials: Credentials): Promise<void> => {
    cues.sounds.unlock(); // a click: the one moment browsers let audio start
    const session = await signIn(credentials, cues.handle, takenOver);
    show({ kind: 'chat', session });
  };

  // Once per session: the server's reason (an error frame) and the close that follows both end it.
  const ended = useCallback(
    (session: Session, reason?: string) => {
      if (live.current !== session) return;
      void closeHere(session);
      show({ kind: 'sign-in', username: session.store.username, notice: reason ?? 'You have signed out.' });
    },
    [show],
  );

  switch (phase.kind) {
    case 'starting':
      return (
        <div className="splash" role="status">
          <img className="splash__logo" src="/icons/icon.svg" alt="" width="64" height="64" />
          <span className="visually-hidden">Loading Conclave…</span>
        </div>
      );
    case 'sign-in':
      return (
        <SignIn
          key={`sign-in-${phase.username}`}
          initialUsername={phase.username}
          notice={phase.notice}
          onSubmit={(username, password) => connect({ kind: 'login', username, password })}
          onRegister={(username) => show({ kind: 'register', username })}
        />
      );
    case 'register':
      return (
        <Register
          initialUsername={phase.username}
          initialCode={phase.code ?? ''}
          onSubmit={(username, password, code) => connect({ kind: 'register', username, password, ...(code !== undefined && { code }) })}
          onSignIn={(username) => show({ kind: 'sign-in', username })}
        />
      );
    case 'unreachable':
      return (
        <Unreachable message={phase.message} onRetry={() => void start()} onSignIn={() => show({ kind: 'sign-in', username: phase.username })} />
      );
    case 'elsewhere':
      return <Elsewhere username={phase.username} onUseHere={() => void start(true)} />;
    case 'chat': {
      const session = phase.session;
      return (
        <ChatScreen
          key={session.store.username}
          session={session}
          cues={cues}
          onSignOut={async (forget) => {
            await signOut(session, forget);
            show({
              kind: 'sign-in',
              username: forget ? '' : session.store.username,
              notice: forget ? "You have signed out, and this browser's keys and history are deleted." : 'You have signed out.',
            });
          }}
          onEnded={(reason) => ended(session, reason)}
        />
      );
    }
  }
}
