import { Inject, OnModuleDestroy } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayInit, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import type { Logger } from '../logger';
import { EventRepository } from '../repositories/event.repository';
import { LOGGER } from '../repositories/tokens';
import { AuthService, type ApiPrincipal } from '../services/auth.service';

const AUTHED_ROOM = 'authenticated';
/** Per API token, so revoking one closes its sockets. */
const tokenRoom = (tokenId: string) => `api-token:${tokenId}`;

/**
 * socket.io at /socket.io: `io(hubUrl, { auth: { ticket } })` with a single-use ticket from
 * POST /api/v1/auth/socket-ticket (browsers), or `{ auth: { token } }` with an API token (API clients). Forwards
 * HUB_EVENTS to authenticated sockets only; sockets of a revoked API token are closed.
 */
@WebSocketGateway({ cors: { origin: true, credentials: true } })
export class EventsGateway implements OnGatewayInit, OnGatewayConnection, OnModuleDestroy {
  @WebSocketServer() server!: Server;
  private readonly unsubscribes: (() => void)[] = [];

  constructor(
    private readonly auth: AuthService,
    private readonly events: EventRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  afterInit(server: Server): void {
    this.unsubscribes.push(this.events.onAny((event, payload) => server.to(AUTHED_ROOM).emit(event, payload)));
    this.unsubscribes.push(
      this.auth.onApiTokenRevoked((tokenId) => {
        server.in(tokenRoom(tokenId)).disconnectSockets(true);
      }),
    );
  }

  async handleConnection(socket: Socket): Promise<void> {
    const auth = (socket.handshake.auth ?? {}) as { token?: unknown; ticket?: unknown };
    let principal: ApiPrincipal | null = null;
    if (typeof auth.ticket === 'string') principal = await this.auth.redeemSocketTicket(auth.ticket);
    else if (typeof auth.token === 'string') principal = await this.auth.authenticateApiToken(auth.token);
    if (principal) {
      if (!socket.connected) return; // gone while its credential was checked
      await socket.join([AUTHED_ROOM, tokenRoom(principal.tokenId)]);
      socket.emit('ready', { ok: true });
      return;
    }
    this.logger.warn(
      { address: socket.handshake.address, credential: typeof auth.ticket === 'string' ? 'ticket' : 'token' },
      'socket.io connection without a valid ticket or API token closed',
    );
    socket.emit('error', {
      code: 'unauthorized',
      message:
        'Connect with { auth: { ticket } } (POST /api/v1/auth/socket-ticket; single use, 60 s) or { auth: { token: <API token> } }.',
    });
    socket.disconnect(true);
  }

  onModuleDestroy(): void {
    for (const u of this.unsubscribes) u();
  }
}
