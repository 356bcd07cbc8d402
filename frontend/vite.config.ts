import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// Built into dist/ and served by Django (whitenoise) under /static/.
export default defineConfig({
  plugins: [react()],
  base: "/static/",
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  server: {
    proxy: { "/api": "http://127.0.0.1:8000", "/ws": { target: "ws://127.0.0.1:8000", ws: true }, "/login": "http://127.0.0.1:8000" },
  },
  test: { environment: "jsdom", include: ["src/**/*.test.ts", "src/**/*.test.tsx"] },
});
