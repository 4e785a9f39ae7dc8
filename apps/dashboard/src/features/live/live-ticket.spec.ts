import { fetchLiveTicket, LIVE_TICKET_PATH, ticketAuth } from './live-ticket';

const call = (auth: ReturnType<typeof ticketAuth>) => new Promise((resolve) => auth(resolve));

describe('ticketAuth', () => {
  it('uses the server-rendered ticket once, then fetches a fresh one per (re)connect', async () => {
    const fetchTicket = jest.fn().mockResolvedValueOnce('fbs_2').mockResolvedValueOnce('fbs_3');
    const auth = ticketAuth({ ticket: 'fbs_1' }, fetchTicket);
    expect(await call(auth)).toEqual({ ticket: 'fbs_1' });
    expect(fetchTicket).not.toHaveBeenCalled();
    expect(await call(auth)).toEqual({ ticket: 'fbs_2' });
    expect(await call(auth)).toEqual({ ticket: 'fbs_3' });
  });

  it('fetches at once when the server had no ticket, and sends empty auth when fetching fails', async () => {
    const fetchTicket = jest.fn().mockResolvedValueOnce(null).mockRejectedValueOnce(new Error('offline'));
    const auth = ticketAuth({}, fetchTicket);
    expect(await call(auth)).toEqual({});
    expect(await call(auth)).toEqual({});
    expect(fetchTicket).toHaveBeenCalledTimes(2);
  });
});

describe('fetchLiveTicket', () => {
  const respond = (status: number, body: unknown) =>
    jest.fn().mockResolvedValue(new Response(JSON.stringify(body), { status })) as unknown as typeof fetch;

  it('POSTs to the same-origin route and returns the ticket', async () => {
    const f = respond(200, { ticket: 'fbs_x', expiresAt: '2026-01-01T00:01:00Z' });
    expect(await fetchLiveTicket(undefined, f)).toBe('fbs_x');
    expect(f).toHaveBeenCalledWith(LIVE_TICKET_PATH, expect.objectContaining({ method: 'POST', cache: 'no-store' }));
  });

  it('returns null when signed out or the answer is not a ticket', async () => {
    expect(await fetchLiveTicket(undefined, respond(401, { message: 'Sign in first.' }))).toBeNull();
    expect(await fetchLiveTicket(undefined, respond(200, { nope: 1 }))).toBeNull();
  });
});
