/**
 * Aedes has no `max_packet_size` (Mosquitto and EMQX do): without one a client may send a packet of up to 256 MB, which
 * the broker buffers whole before anyone can look at it. This wrapper reads MQTT's fixed headers as bytes pass by and
 * closes a connection as soon as a packet announces more than the limit, before its body arrives.
 */
import { Duplex, Transform, type TransformCallback } from 'node:stream';
import type net from 'node:net';

/** Same limit as deploy/mosquitto/mosquitto.conf `max_packet_size` and EMQX `mqtt.max_packet_size`. */
export const MAX_MQTT_PACKET_BYTES = 1024 * 1024;

export class PacketTooLargeError extends Error {
  constructor(readonly bytes: number) {
    super(`MQTT packet of ${bytes} bytes is over the broker's limit of ${MAX_MQTT_PACKET_BYTES}`);
  }
}

/** Passes bytes through unchanged while tracking packet boundaries (fixed header: type byte, varint length). */
export class MqttPacketLimit extends Transform {
  /** Body bytes of the current packet still to pass; -1 while reading a fixed header. */
  private remaining = -1;
  private headerBytes = 0;
  private length = 0;
  private multiplier = 1;

  constructor(private readonly maxBytes = MAX_MQTT_PACKET_BYTES) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - i);
        this.remaining -= take;
        i += take;
        if (this.remaining === 0) this.remaining = -1;
        continue;
      }
      // Fixed header: byte 0 is the type, then 1–4 bytes of remaining length (7 bits each, high bit = more).
      const byte = chunk[i++];
      if (this.headerBytes++ === 0) continue;
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      if (byte & 0x80) {
        if (this.headerBytes >= 5) return done(new Error('malformed MQTT remaining length'));
        continue;
      }
      const total = this.headerBytes + this.length;
      if (total > this.maxBytes) return done(new PacketTooLargeError(total));
      this.remaining = this.length > 0 ? this.length : -1;
      this.headerBytes = 0;
      this.length = 0;
      this.multiplier = 1;
    }
    done(null, chunk);
  }
}

/** The socket as aedes sees it: reads go through the limit; an oversized packet destroys the socket. */
export function limitPacketSize(socket: net.Socket, onTooLarge: (err: Error) => void, maxBytes?: number): Duplex {
  const limit = new MqttPacketLimit(maxBytes);
  limit.on('error', (err) => {
    onTooLarge(err);
    socket.destroy();
  });
  const conn = Duplex.from({ readable: socket.pipe(limit), writable: socket });
  // Who is connecting, for the broker's limits on failed logins (aedes reads it off the stream it was given).
  Object.assign(conn, { remoteAddress: socket.remoteAddress });
  // aedes listens on `conn`; a reset of the raw socket (a client still sending after the close) only ends it.
  socket.on('error', () => conn.destroy());
  socket.on('close', () => conn.destroy());
  conn.on('close', () => socket.destroy());
  return conn;
}
