import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// In development (`npm run dev`) API calls go to the supervisor on :8080; in production the
// supervisor serves the built files itself, so every URL is same-origin.
export default defineConfig({
  plugins: [react()],
  // 450 kB: the main chunk carries every language's strings (lib/i18n.tsx loads all locale files eagerly, ~60 kB); loading only the active language would bring it back under 400.
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, target: 'es2022', chunkSizeWarningLimit: 450 },
  server: { proxy: { '/api': { target: 'http://localhost:8080', changeOrigin: false } } },
  test: { environment: 'jsdom', include: ['test/**/*.test.{ts,tsx}'] },
});
