import { Inject, OnModuleDestroy } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayInit, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import type { Logger } from '../logger';
import { EventRepository } from '../repositories/event.repository';
import { LOGGER } from '../repositories/tokens';
import { AuthService } from '../services/auth.service';

const AUTHED_ROOM = 'authenticated';

/** socket.io at /socket.io: `io(hubUrl, { auth: { token } })`; forwards HUB_EVENTS to authenticated sockets only. */
@WebSocketGateway({ cors: { origin: true, credentials: true } })
export class EventsGateway implements OnGatewayInit, OnGatewayConnection, OnModuleDestroy {
  @WebSocketServer() server!: Server;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly auth: AuthService,
    private readonly events: EventRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  afterInit(server: Server): void {
    this.unsubscribe = this.events.onAny((event, payload) => server.to(AUTHED_ROOM).emit(event, payload));
  }

  async handleConnection(socket: Socket): Promise<void> {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    if (typeof token === 'string' && (await this.auth.verifyApiToken(token))) {
      await socket.join(AUTHED_ROOM);
      socket.emit('ready', { ok: true });
      return;
    }
    this.logger.warn({ address: socket.handshake.address }, 'socket.io connection without a valid API token closed');
    socket.emit('error', { code: 'unauthorized', message: 'Connect with { auth: { token: <API token> } }.' });
    socket.disconnect(true);
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }
}
