/** Liveness of the dashboard process itself (no hub call, no auth): for compose/systemd/e2e readiness checks. */
export const dynamic = 'force-dynamic';

export function GET() {
  return Response.json({ status: 'ok' });
}
