import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// `npm run dev` proxies the API and WebSocket to a local `parley serve` (default port 8080).
const target = process.env.PARLEY_URL || 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  server: {
    proxy: {
      '/api': target,
      '/ws': { target, ws: true },
    },
  },
});
