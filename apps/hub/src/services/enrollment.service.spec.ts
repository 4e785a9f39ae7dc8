import type { DeviceRepository } from '../repositories/device.repository';
import type { EventRepository } from '../repositories/event.repository';
import type { HardwareClassRepository } from '../repositories/hardware-class.repository';
import type { TokenRepository } from '../repositories/token.repository';
import { sha256Hex, verifyPassword } from '../utils/crypto';
import { hardware, software } from '../test-support/fixtures';
import { fixedClock, mockLogger, mockOf } from '../test-support/mocks';
import { EnrollmentService } from './enrollment.service';

function setup() {
  const tokens = mockOf<TokenRepository>();
  const devices = mockOf<DeviceRepository>();
  const classes = mockOf<HardwareClassRepository>();
  const events = mockOf<EventRepository>();
  const broker = { provisionAgent: jest.fn().mockResolvedValue(undefined), revokeAgent: jest.fn() };
  devices.create.mockImplementation(
    async (d) =>
      ({
        ...d,
        hardwareClass: { name: 'x' },
        enrolledAt: new Date(),
        online: false,
        lastSeenAt: null,
        currentJobId: null,
        telemetry: null,
      }) as never,
  );
  const svc = new EnrollmentService(
    tokens,
    devices,
    classes,
    events,
    fixedClock() as never,
    broker,
    { mqttPublicUrl: 'mqtt://hub:1883' },
    mockLogger(),
  );
  return { svc, tokens, devices, broker };
}

const tokenRow = (over = {}) => ({
  id: 't1',
  tokenHash: sha256Hex('tok'),
  label: null,
  maxUses: 1,
  uses: 0,
  expiresAt: new Date('2027-01-01'),
  tags: ['lab'],
  createdAt: new Date(),
  ...over,
});
const req = { token: 'tok', name: 'pi', hardware: hardware(), software, tags: ['arm'] };

describe('EnrollmentService', () => {
  it('creates a token, storing only its hash', async () => {
    const { svc, tokens } = setup();
    tokens.createEnrollmentToken.mockImplementation(async (d) => ({ id: 't1', ...d }) as never);
    const r = await svc.createToken({ maxUses: 2, expiresInHours: 1, tags: [] });
    expect(r.token).toMatch(/^fbe_/);
    expect(tokens.createEnrollmentToken).toHaveBeenCalledWith(
      expect.objectContaining({
        tokenHash: sha256Hex(r.token),
        maxUses: 2,
        expiresAt: new Date('2026-01-01T01:00:00.000Z'),
      }),
    );
  });

  it('enrolls: agent id, own password (scrypt-hashed), broker provisioned, tags merged', async () => {
    const { svc, tokens, devices, broker } = setup();
    tokens.findEnrollmentToken.mockResolvedValue(tokenRow());
    tokens.consumeEnrollmentToken.mockResolvedValue(true);
    const r = await svc.enroll(req);
    expect(r.agentId).toMatch(/^agent-[0-9a-f]{16}$/);
    expect(r.mqtt).toMatchObject({ url: 'mqtt://hub:1883', username: r.agentId });
    const created = devices.create.mock.calls[0][0];
    expect(created.tags).toEqual(['lab', 'arm']);
    expect(created.passwordHash).not.toContain(r.mqtt.password);
    expect(await verifyPassword(r.mqtt.password, created.passwordHash)).toBe(true);
    expect(broker.provisionAgent).toHaveBeenCalledWith(r.agentId, r.mqtt.password);
  });

  it.each([
    ['unknown', null],
    ['expired', tokenRow({ expiresAt: new Date('2025-01-01') })],
    ['used up', tokenRow({ uses: 1 })],
  ])('refuses a %s token with 401', async (_what, row) => {
    const { svc, tokens, devices } = setup();
    tokens.findEnrollmentToken.mockResolvedValue(row as never);
    await expect(svc.enroll(req)).rejects.toMatchObject({ code: 'invalid-enrollment-token', status: 401 });
    expect(devices.create).not.toHaveBeenCalled();
  });

  it('refuses when a concurrent enrollment took the last use', async () => {
    const { svc, tokens, devices } = setup();
    tokens.findEnrollmentToken.mockResolvedValue(tokenRow());
    tokens.consumeEnrollmentToken.mockResolvedValue(false);
    await expect(svc.enroll(req)).rejects.toMatchObject({ code: 'invalid-enrollment-token' });
    expect(devices.create).not.toHaveBeenCalled();
  });
});
