import type { DeviceRepository } from '../repositories/device.repository';
import type { TokenRepository } from '../repositories/token.repository';
import { mockLogger, mockOf } from '../test-support/mocks';
import { hashPassword, hashSecret, randomSecret, sha256Hex, verifyPassword } from '../utils/crypto';
import { AuthService, SOCKET_TICKET_TTL_MS } from './auth.service';

function setup() {
  let now = Date.parse('2026-01-01T00:00:00.000Z');
  const clock = { now: () => new Date(now) };
  const tokens = mockOf<TokenRepository>();
  // The ticket table, in memory (the real one, shared by hub replicas, is covered in replicas.medium.spec.ts).
  const tickets = new Map<string, { tokenId: string; expiresAt: Date }>();
  tokens.createSocketTicket.mockImplementation(async ({ ticketHash, ...t }) => void tickets.set(ticketHash, t));
  tokens.consumeSocketTicket.mockImplementation(async (hash, at) => {
    const t = tickets.get(hash);
    tickets.delete(hash);
    return t && t.expiresAt > at ? t.tokenId : null;
  });
  const devices = mockOf<DeviceRepository>();
  tokens.touchApiToken.mockResolvedValue(undefined);
  tokens.findApiTokenById.mockImplementation(
    async (id) =>
      ({
        id,
        admin: false,
        expiresAt: null,
        label: 'x',
        tokenHash: 'h',
        createdAt: new Date(),
        lastUsedAt: null,
      }) as never,
  );
  const svc = new AuthService(tokens, devices, clock as never, { hubBrokerPassword: 'hub-secret' }, mockLogger());
  return { svc, tokens, devices, tickets, advance: (ms: number) => (now += ms) };
}

describe('API tokens', () => {
  it('accepts a known token, refuses unknown and expired ones, and records use at most once a minute', async () => {
    const { svc, tokens, advance } = setup();
    tokens.findApiToken.mockImplementation(async (hash) =>
      hash === sha256Hex('good')
        ? { id: 't1', admin: true, expiresAt: new Date('2026-01-02T00:00:00Z'), lastUsedAt: null }
        : null,
    );
    expect(await svc.authenticateApiToken('good')).toEqual({ tokenId: 't1', admin: true });
    expect(tokens.touchApiToken).toHaveBeenCalledTimes(1);
    expect(await svc.authenticateApiToken('bad')).toBeNull();
    expect(await svc.authenticateApiToken('')).toBeNull();
    advance(2 * 86_400_000);
    expect(await svc.authenticateApiToken('good')).toBeNull();

    tokens.findApiToken.mockResolvedValue({ id: 't2', admin: false, expiresAt: null, lastUsedAt: new Date() });
    tokens.touchApiToken.mockClear();
    await svc.authenticateApiToken('recent');
    expect(tokens.touchApiToken).not.toHaveBeenCalled();
  });
});

describe('socket.io tickets', () => {
  it('works exactly once', async () => {
    const { svc, tickets } = setup();
    const t = await svc.issueSocketTicket({ tokenId: 't1', admin: false });
    expect(t.ticket).toMatch(/^fbs_/);
    expect([...tickets.keys()]).toEqual([sha256Hex(t.ticket)]); // only the hash is stored
    expect(await svc.redeemSocketTicket(t.ticket)).toEqual({ tokenId: 't1', admin: false });
    expect(await svc.redeemSocketTicket(t.ticket)).toBeNull();
  });

  it('expires after 60 s', async () => {
    const { svc, advance } = setup();
    const t = await svc.issueSocketTicket({ tokenId: 't1', admin: false });
    expect(Date.parse(t.expiresAt) - Date.parse('2026-01-01T00:00:00.000Z')).toBe(SOCKET_TICKET_TTL_MS);
    advance(SOCKET_TICKET_TTL_MS);
    expect(await svc.redeemSocketTicket(t.ticket)).toBeNull();
  });

  it('refuses wrong tickets, tickets of a revoked or expired API token', async () => {
    const { svc, tokens } = setup();
    expect(await svc.redeemSocketTicket('fbs_wrong')).toBeNull();
    expect(await svc.redeemSocketTicket(undefined)).toBeNull();
    const a = await svc.issueSocketTicket({ tokenId: 't1', admin: false });
    const b = await svc.issueSocketTicket({ tokenId: 't2', admin: false });
    const revoked = jest.fn();
    svc.onApiTokenRevoked(revoked);
    svc.apiTokenRevoked('t1');
    expect(revoked).toHaveBeenCalledWith('t1');
    tokens.findApiTokenById.mockResolvedValueOnce(null); // the DELETE removed the token (and, by cascade, its tickets)
    expect(await svc.redeemSocketTicket(a.ticket)).toBeNull();
    tokens.findApiTokenById.mockResolvedValueOnce(null); // deleted meanwhile
    expect(await svc.redeemSocketTicket(b.ticket)).toBeNull();
  });
});

describe('agent credentials', () => {
  it('refuses a revoked agent even when its credentials were cached', async () => {
    const { svc, devices } = setup();
    const hash = await hashPassword('pw');
    devices.getPasswordHash.mockResolvedValue(hash);
    expect(await svc.verify('agent-0123456789abcdef', 'pw')).toEqual({
      kind: 'agent',
      agentId: 'agent-0123456789abcdef',
    });
    devices.getPasswordHash.mockResolvedValue(null); // revoked
    svc.forgetAgent('agent-0123456789abcdef');
    expect(await svc.verify('agent-0123456789abcdef', 'pw')).toBeNull();
    expect(await svc.verify('fleetbench-hub', 'hub-secret')).toEqual({ kind: 'hub' });
  });

  it('refuses cached credentials of a device revoked through another hub replica (no local forgetAgent)', async () => {
    const { svc, devices } = setup();
    devices.getPasswordHash.mockResolvedValue(await hashPassword('pw'));
    expect(await svc.verifyAgent('agent-0123456789abcdef', 'pw')).toBe(true);
    expect(await svc.verifyAgent('agent-0123456789abcdef', 'pw')).toBe(true); // from the cache
    devices.getPasswordHash.mockResolvedValue(null); // revoked by the other replica
    expect(await svc.verifyAgent('agent-0123456789abcdef', 'pw')).toBe(false);
  });

  it('checks a generated password against its fast hash (salted SHA-256): right passes, wrong and short fail', async () => {
    const { svc, devices } = setup();
    const password = randomSecret(24);
    const stored = hashSecret(password);
    expect(stored).toMatch(/^sha256\$[\w-]{22}\$[\w-]{43}$/);
    expect(hashSecret(password)).not.toBe(stored); // salted
    devices.getPasswordHash.mockResolvedValue(stored);
    expect(await svc.verifyAgent('agent-0123456789abcdef', password)).toBe(true);
    expect(await svc.verifyAgent('agent-0123456789abcdef', randomSecret(24))).toBe(false);
    expect(await svc.verifyAgent('agent-0123456789abcdef', password.slice(0, -1))).toBe(false);
    expect(devices.replacePasswordHash).not.toHaveBeenCalled();
    expect(() => hashSecret('short-human-password')).toThrow(/at least 32 characters/);
  });

  it('replaces the scrypt hash of a device enrolled earlier by the fast one at its first successful check', async () => {
    const { svc, devices } = setup();
    const password = randomSecret(24);
    const scrypt = await hashPassword(password);
    devices.getPasswordHash.mockResolvedValue(scrypt);
    devices.replacePasswordHash.mockResolvedValue(true);
    expect(await svc.verifyAgent('agent-0123456789abcdef', randomSecret(24))).toBe(false);
    expect(devices.replacePasswordHash).not.toHaveBeenCalled(); // only a verified password is re-hashed
    expect(await svc.verifyAgent('agent-0123456789abcdef', password)).toBe(true);
    expect(devices.replacePasswordHash).toHaveBeenCalledWith('agent-0123456789abcdef', scrypt, expect.any(String));
    const fast = devices.replacePasswordHash.mock.calls[0][2];
    expect(fast).toMatch(/^sha256\$/);
    expect(await verifyPassword(password, fast)).toBe(true);
    // From then on the stored hash is the fast one.
    devices.getPasswordHash.mockResolvedValue(fast);
    expect(await svc.verifyAgent('agent-0123456789abcdef', password)).toBe(true);
    expect(devices.replacePasswordHash).toHaveBeenCalledTimes(1);
  });
});
