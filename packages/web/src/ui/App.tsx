import { useCallback, useEffect, useRef, useState } from 'react';
import type { Credentials } from '@conclave/client';
import { cues } from '../app/cues.js';
import { resume, signIn, signOut, type Session } from '../app/session.js';
import { Register } from './auth/Register.js';
import { SignIn } from './auth/SignIn.js';
import { ChatScreen } from './chat/ChatScreen.js';
import { Unreachable } from './Unreachable.js';

/** Which page is shown. */
type Phase =
  | { kind: 'starting' }
  | { kind: 'sign-in'; username: string; notice?: string | undefined }
  | { kind: 'register'; username: string }
  | { kind: 'unreachable'; username: string; message: string }
  | { kind: 'chat'; session: Session };

/**
 * The page: resumes the last user's session on load (the token is an
 * HttpOnly cookie), else shows sign-in; after sign-in or register, the chat.
 */
export function App() {
  const [phase, setPhase] = useState<Phase>({ kind: 'starting' });

  const start = useCallback(async () => {
    setPhase({ kind: 'starting' });
    const result = await resume(cues.handle);
    if (result.kind !== 'unreachable') sessionStorage.removeItem('conclave.retryDelay');
    if (result.kind === 'resumed') setPhase({ kind: 'chat', session: result.session });
    else if (result.kind === 'sign-in') setPhase({ kind: 'sign-in', username: result.username, notice: result.reason });
    else setPhase({ kind: 'unreachable', username: result.username, message: result.error.message });
  }, []);

  // Once per page (StrictMode runs effects twice in development: one client, not two).
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    void start();
  }, [start]);

  const connect = async (credentials: Credentials): Promise<void> => {
    cues.sounds.unlock(); // a click: the one moment browsers let audio start
    const session = await signIn(credentials, cues.handle);
    setPhase({ kind: 'chat', session });
  };

  const ended = useCallback((session: Session, reason?: string) => {
    void session.client.close().finally(() => session.store.close());
    setPhase({ kind: 'sign-in', username: session.store.username, notice: reason ?? 'You have signed out.' });
  }, []);

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
          onRegister={(username) => setPhase({ kind: 'register', username })}
        />
      );
    case 'register':
      return (
        <Register
          initialUsername={phase.username}
          onSubmit={(username, password, code) => connect({ kind: 'register', username, password, ...(code !== undefined && { code }) })}
          onSignIn={(username) => setPhase({ kind: 'sign-in', username })}
        />
      );
    case 'unreachable':
      return (
        <Unreachable
          message={phase.message}
          onRetry={() => void start()}
          onSignIn={() => setPhase({ kind: 'sign-in', username: phase.username })}
        />
      );
    case 'chat': {
      const session = phase.session;
      return (
        <ChatScreen
          key={session.store.username}
          session={session}
          cues={cues}
          onSignOut={async (forget) => {
            await signOut(session, forget);
            setPhase({
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
