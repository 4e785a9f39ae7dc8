'use client';

export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <section>
      <h1>Something went wrong</h1>
      <div className="notice notice-error" role="alert">
        <strong>The dashboard could not render this page.</strong>
        <p className="mono small">{error.digest ? `digest ${error.digest}` : error.message}</p>
      </div>
      <button type="button" className="btn" onClick={reset}>
        Try again
      </button>
    </section>
  );
}
