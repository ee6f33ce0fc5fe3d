/// <reference types="vitest/config" />
import { defineConfig } from "vite";

// `npm run dev` proxies /api to a running `bursar serve` (BURSAR_API, default
// http://127.0.0.1:8080). The built app (`npm run build` → dist/) is served by
// `bursar serve --web web/dist` itself, with the API on the same port.
export default defineConfig({
  server: {
    proxy: { "/api": process.env.BURSAR_API ?? "http://127.0.0.1:8080" },
  },
  build: {
    outDir: "dist",
    chunkSizeWarningLimit: 800,
  },
  test: {
    include: ["src/**/*.test.ts"],
  },
});
