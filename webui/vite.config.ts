import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// In development (`npm run dev`) API calls go to the supervisor on :8080; in production the
// supervisor serves the built files itself, so every URL is same-origin.
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, target: 'es2022', chunkSizeWarningLimit: 400 },
  server: { proxy: { '/api': { target: 'http://localhost:8080', changeOrigin: false } } },
  test: { environment: 'jsdom', include: ['test/**/*.test.{ts,tsx}'] },
});
