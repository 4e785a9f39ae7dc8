/** A short plain-text answer from a dashboard route handler (errors of a download link), never cached. */
export function plainTextResponse(status: number, message: string): Response {
  return new Response(message, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
  });
}
