import path from 'node:path';
import type { NextConfig } from 'next';

// The protocol package's `main` is its tsc output (dist/), which may not exist yet: bundle it from source instead, so
// `next build` needs no prior build of the workspace. tsconfig `paths` says the same for the type checker.
const protocolSource = path.join(__dirname, '../../packages/protocol/src/index.ts');

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  transpilePackages: ['@fleetbench/protocol'],
  turbopack: {
    root: path.join(__dirname, '../..'),
    resolveAlias: { '@fleetbench/protocol': protocolSource },
  },
  webpack: (config: { resolve: { alias: Record<string, string> } }) => {
    config.resolve.alias['@fleetbench/protocol$'] = protocolSource;
    return config;
  },
};

export default nextConfig;
