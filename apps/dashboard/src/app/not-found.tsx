import Link from 'next/link';

export default function NotFound() {
  return (
    <section>
      <h1>Not found</h1>
      <p className="muted">
        This page does not exist. Go to the <Link href="/">fleet</Link> or the{' '}
        <Link href="/leaderboard">leaderboard</Link>.
      </p>
    </section>
  );
}
