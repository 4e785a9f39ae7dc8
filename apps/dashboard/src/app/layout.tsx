import '@fontsource-variable/inter';
import './globals.css';
import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import { Nav } from '../components/nav';
import { THEME_SCRIPT } from '../components/theme-script';
import { LiveProvider } from '../features/live/live-provider';
import { getLiveCredentials } from '../lib/session';

export const metadata: Metadata = {
  title: 'Fleetbench',
  description: 'Fleet-wide benchmarks of image-classification models on real hardware',
};

export const viewport: Viewport = {
  width: 'device-width',
  initialScale: 1,
  colorScheme: 'light dark',
  themeColor: [
    { media: '(prefers-color-scheme: light)', color: '#f7f8fa' },
    { media: '(prefers-color-scheme: dark)', color: '#0f1115' },
  ],
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const live = await getLiveCredentials();
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: THEME_SCRIPT }} />
      </head>
      <body>
        <LiveProvider credentials={live}>
          <Nav signedIn={live !== null} />
          <main className="main">{children}</main>
        </LiveProvider>
      </body>
    </html>
  );
}
