import { NextResponse } from 'next/server';
import { apiPaths, SocketTicketSchema } from '@fleetbench/protocol';
import { hubSend } from '../../../lib/hub/client';
import { isHubError } from '../../../lib/hub/errors';
import { getToken } from '../../../lib/session';

export const dynamic = 'force-dynamic';

const NO_STORE = { 'cache-control': 'no-store' };

/**
 * Browser → dashboard: a fresh single-use socket.io ticket for a (re)connect, minted with the session cookie's token
 * (POST /api/v1/auth/socket-ticket). Only the ticket goes back; the token stays on the server.
 */
export async function POST() {
  const token = await getToken();
  if (!token) return NextResponse.json({ message: 'Sign in first.' }, { status: 401, headers: NO_STORE });
  try {
    const ticket = await hubSend('POST', apiPaths.socketTicket, token, SocketTicketSchema);
    return NextResponse.json(ticket, { headers: NO_STORE });
  } catch (err) {
    if (!isHubError(err)) throw err;
    const unauthorized = err.problem.kind === 'unauthorized';
    return NextResponse.json(
      { message: unauthorized ? 'The hub rejected the session token; sign in again.' : 'The hub is unreachable.' },
      { status: unauthorized ? 401 : 502, headers: NO_STORE },
    );
  }
}
