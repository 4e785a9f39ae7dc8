import type { BrokerAuthority } from '../broker/broker.types';
import type { DeviceRepository, DeviceRow } from '../repositories/device.repository';
import type { EventRepository } from '../repositories/event.repository';
import type { HardwareClassRepository } from '../repositories/hardware-class.repository';
import { fixedClock, mockLogger, mockOf } from '../test-support/mocks';
import type { AuthService } from './auth.service';
import { DeviceService } from './device.service';
import type { DispatcherService } from './dispatcher.service';

const NOW = '2026-01-01T00:00:00.000Z';

const row = (over: Partial<DeviceRow> = {}): DeviceRow =>
  ({
    id: 'agent-0123456789abcdef',
    name: 'board',
    tags: [],
    passwordHash: '',
    hardware: {},
    software: {},
    hardwareClassId: 'hc1',
    hardwareClass: { name: 'x' },
    online: false,
    session: 1,
    lastSeenAt: null,
    currentJobId: null,
    telemetry: null,
    enrollmentTokenId: null,
    enrolledAt: new Date(NOW),
    updatedAt: new Date(NOW),
    revokedAt: new Date(NOW),
    ...over,
  }) as DeviceRow;

function setup() {
  const devices = mockOf<DeviceRepository>();
  const auth = mockOf<AuthService>();
  const dispatcher = mockOf<DispatcherService>();
  const events = mockOf<EventRepository>();
  const broker: jest.Mocked<BrokerAuthority> = {
    provisionAgent: jest.fn(),
    revokeAgent: jest.fn().mockResolvedValue(undefined),
  };
  dispatcher.cancelDeviceJobs.mockResolvedValue(2);
  devices.findById.mockResolvedValue(row());
  const svc = new DeviceService(
    devices,
    mockOf<HardwareClassRepository>(),
    auth,
    dispatcher,
    events,
    fixedClock(NOW) as never,
    broker,
    mockLogger(),
  );
  return { svc, devices, auth, dispatcher, events, broker };
}

describe('DeviceService.revoke', () => {
  it('marks the device revoked, forgets cached credentials, revokes it at the broker, cancels its jobs, emits', async () => {
    const { svc, devices, auth, dispatcher, events, broker } = setup();
    devices.revoke.mockResolvedValue({ device: row(), newlyRevoked: true });
    const d = await svc.revoke('agent-0123456789abcdef');
    expect(devices.revoke).toHaveBeenCalledWith('agent-0123456789abcdef', new Date(NOW));
    expect(auth.forgetAgent).toHaveBeenCalledWith('agent-0123456789abcdef');
    expect(broker.revokeAgent).toHaveBeenCalledWith('agent-0123456789abcdef');
    expect(dispatcher.cancelDeviceJobs).toHaveBeenCalledWith('agent-0123456789abcdef');
    expect(d.revokedAt).toBe(NOW);
    expect(events.emit.mock.calls.map((c) => c[0])).toEqual(['device.updated', 'device.revoked']);
    // The database refuses the device before the broker kicks it (a reconnect must fail).
    expect(devices.revoke.mock.invocationCallOrder[0]).toBeLessThan(broker.revokeAgent.mock.invocationCallOrder[0]);
  });

  it('is idempotent: a second revoke repeats only the broker step', async () => {
    const { svc, devices, dispatcher, events, broker } = setup();
    devices.revoke.mockResolvedValue({ device: row(), newlyRevoked: false });
    await svc.revoke('agent-0123456789abcdef');
    expect(broker.revokeAgent).toHaveBeenCalled();
    expect(dispatcher.cancelDeviceJobs).not.toHaveBeenCalled();
    expect(events.emit).not.toHaveBeenCalled();
  });

  it('answers 404 for an unknown device and 503 when the broker fails', async () => {
    const { svc, devices, broker } = setup();
    devices.revoke.mockResolvedValueOnce(null);
    await expect(svc.revoke('agent-ffffffffffffffff')).rejects.toMatchObject({ code: 'not-found' });
    devices.revoke.mockResolvedValueOnce({ device: row(), newlyRevoked: true });
    broker.revokeAgent.mockRejectedValueOnce(new Error('dynsec timeout'));
    await expect(svc.revoke('agent-0123456789abcdef')).rejects.toMatchObject({ code: 'unavailable' });
  });
});
