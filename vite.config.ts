import { sveltekit } from '@sveltejs/kit/vite';
import { SvelteKitPWA } from '@vite-pwa/sveltekit';
import { defineConfig } from 'vitest/config';
import type { Plugin } from 'vite';
import { attachWebSocket } from './server.js';

/** Serves `/ws` from the Vite dev server too, leaving Vite's own HMR socket alone. */
function outpostWebSocket(): Plugin {
  return {
    name: 'outpost:ws',
    configureServer(server) {
      if (server.httpServer) attachWebSocket(server.httpServer as import("node:http").Server, { rejectOthers: false });
    },
    configurePreviewServer(server) {
      if (server.httpServer) attachWebSocket(server.httpServer as import("node:http").Server, { rejectOthers: false });
    }
  };
}

/**
 * `OUTPOST_BUNDLE_REPORT=<file>`: writes, for each client chunk, its imports and its modules' code
 * (read by tests/bench/bundle-report.mjs to show what an entry chunk carries).
 */
function bundleReport(): Plugin {
  return {
    name: 'outpost:bundle-report',
    apply: 'build',
    async generateBundle(_options, bundle) {
      const file = process.env.OUTPOST_BUNDLE_REPORT;
      if (!file || this.environment?.name !== 'client') return;
      const out: Record<string, { modules: Record<string, string>; imports: string[]; dynamicImports: string[] }> = {};
      for (const [name, c] of Object.entries(bundle)) {
        if (c.type !== 'chunk') continue;
        out[name] = {
          // each module's code as rendered into the chunk (before minification)
          modules: Object.fromEntries(Object.entries(c.modules).map(([id, m]) => [id.replace(process.cwd() + '/', ''), m.code ?? ''])),
          imports: c.imports,
          dynamicImports: c.dynamicImports
        };
      }
      const { writeFile } = await import('node:fs/promises');
      await writeFile(file, JSON.stringify(out, null, 1));
    }
  };
}

export default defineConfig({
  plugins: [
    sveltekit(),
    outpostWebSocket(),
    bundleReport(),
    SvelteKitPWA({
      registerType: 'prompt',
      manifest: {
        name: 'Outpost Helpdesk',
        short_name: 'Outpost',
        description: 'IT helpdesk that keeps working offline',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        theme_color: '#0f172a',
        background_color: '#0b1120',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' }
        ]
      },
      workbox: {
        navigateFallback: '/',
        navigateFallbackDenylist: [/^\/api\//, /^\/ws$/],
        globPatterns: ['client/**/*.{js,css,ico,png,svg,webp,webmanifest,woff2}', 'prerendered/**/*.{html,json}'],
        clientsClaim: true,
        skipWaiting: false
      },
      devOptions: { enabled: false }
    })
  ],
  server: { port: Number(process.env.PORT ?? 3000), strictPort: false },
  build: { chunkSizeWarningLimit: 1024 },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          environment: 'node',
          include: ['src/**/*.test.ts', 'sync/**/*.test.ts'],
          exclude: ['src/**/*.svelte.test.ts']
        }
      },
      {
        extends: true,
        test: {
          name: 'integration',
          environment: 'node',
          include: ['tests/integration/**/*.test.ts'],
          globalSetup: ['tests/integration/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          fileParallelism: false
        }
      }
    ]
  }
});
