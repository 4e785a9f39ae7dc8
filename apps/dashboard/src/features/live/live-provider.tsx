'use client';

import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { useRouter } from 'next/navigation';
import { io, type Socket } from 'socket.io-client';
import { parseHubEvent, type HubEvent, type HubEventPayloads } from '@fleetbench/protocol';
import type { LiveCredentials } from '../../lib/session';
import { fetchLiveTicket, ticketAuth } from './live-ticket';

export type LiveState = 'signed-out' | 'connecting' | 'live' | 'offline';

interface LiveContextValue {
  state: LiveState;
  /** Why we are not live (last connect error), for the indicator's tooltip. */
  detail: string | null;
  url: string | null;
  socket: Socket | null;
}

const LiveContext = createContext<LiveContextValue>({ state: 'signed-out', detail: null, url: null, socket: null });

export function useLive(): LiveContextValue {
  return useContext(LiveContext);
}

/**
 * One socket.io connection to the hub for the whole app. `credentials` come from the server (getLiveCredentials);
 * after a reconnect the server-rendered data is refreshed, since events may have been missed meanwhile.
 */
export function LiveProvider({ credentials, children }: { credentials: LiveCredentials | null; children: ReactNode }) {
  const router = useRouter();
  const [socket, setSocket] = useState<Socket | null>(null);
  const [state, setState] = useState<LiveState>(credentials ? 'connecting' : 'signed-out');
  const [detail, setDetail] = useState<string | null>(null);
  // RSC props are new objects (with a new single-use ticket) on every refresh: reconnect only when the hub URL or
  // sign-in state changes. The latest ticket is read through a ref; reconnects fetch their own.
  const key = credentials ? JSON.stringify({ url: credentials.url, ticketPath: credentials.ticketPath }) : '';
  const authRef = useRef(credentials?.auth ?? {});
  authRef.current = credentials?.auth ?? {};
  const routerRef = useRef(router);
  routerRef.current = router;

  useEffect(() => {
    if (!key) {
      setState('signed-out');
      setSocket(null);
      return;
    }
    const creds = JSON.parse(key) as Pick<LiveCredentials, 'url' | 'ticketPath'>;
    const auth = ticketAuth(authRef.current, () => fetchLiveTicket(creds.ticketPath));
    // WebSocket only: the hub lives on another origin/port and WebSocket needs no CORS preflight.
    const s = io(creds.url, { auth, transports: ['websocket'], reconnectionDelayMax: 10_000 });
    let everConnected = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    setState('connecting');
    setDetail(null);
    s.on('connect', () => {
      setState('live');
      setDetail(null);
      if (everConnected) routerRef.current.refresh();
      everConnected = true;
    });
    s.on('disconnect', (reason) => {
      setState('offline');
      setDetail(`disconnected: ${reason}`);
      // The hub closed it (e.g. token rejected): socket.io does not retry by itself then.
      if (reason === 'io server disconnect') retry = setTimeout(() => s.connect(), 10_000);
    });
    s.on('connect_error', (err) => {
      setState('offline');
      setDetail(err.message || 'connection failed');
      if (!s.active) retry = setTimeout(() => s.connect(), 10_000);
    });
    setSocket(s);
    return () => {
      clearTimeout(retry);
      s.removeAllListeners();
      s.disconnect();
      setSocket(null);
    };
  }, [key]);

  return (
    <LiveContext.Provider value={{ state, detail, url: credentials?.url ?? null, socket }}>
      {children}
    </LiveContext.Provider>
  );
}

/**
 * Subscribe to a hub event for the lifetime of the component; the handler may change between renders. Payloads are
 * checked against the protocol's schema for the event (HUB_EVENT_SCHEMAS), so the handler gets the typed payload;
 * one that does not match (a hub of another version) is dropped with a console warning.
 */
export function useHubEvent<E extends HubEvent>(event: E, handler: (payload: HubEventPayloads[E]) => void): void {
  const { socket } = useLive();
  const ref = useRef(handler);
  useEffect(() => {
    ref.current = handler;
  });
  useEffect(() => {
    if (!socket) return;
    const fn = (raw: unknown) => {
      const payload = parseHubEvent(event, raw);
      if (payload) ref.current(payload);
      else console.warn(`[fleetbench] ignored a ${event} event that does not match the protocol`, raw);
    };
    const name: string = event; // socket.io types listeners per name; the schema check above types the payload
    socket.on(name, fn);
    return () => {
      socket.off(name, fn);
    };
  }, [socket, event]);
}

/** Call router.refresh() at most once per `delayMs` while events keep coming (e.g. a burst of results). */
export function useDebouncedRefresh(delayMs = 750): () => void {
  const router = useRouter();
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  return () => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      router.refresh();
    }, delayMs);
  };
}
