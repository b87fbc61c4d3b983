import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      ".next/",
      "generated/",
      "data/",
      ".e2e-data*/",
      "recordings/",
      "test-results/",
      "playwright-report/",
      "next-env.d.ts",
      "**/__vectors__/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        Buffer: "readonly",
        URL: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        fetch: "readonly",
        AbortController: "readonly",
        AbortSignal: "readonly",
        NodeJS: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
      "no-restricted-properties": [
        "error",
        {
          object: "process",
          property: "env",
          message: "Read configuration through the process's env module (server/env.ts, …).",
        },
      ],
    },
  },
  {
    // The env modules and the entry points that hand process.env to them are the only readers.
    files: [
      "server/main.ts",
      "media-engine/main.ts",
      "recorder/main.ts",
      "cli/forkline.ts",
      "scripts/**",
      "**/*.test.ts",
      "**/test-support/**",
      // Benchmarks are harnesses like tests: they hand PATH to the processes they spawn.
      "bench/**",
      "e2e/**",
      "playwright.config.ts",
      "prisma.config.ts",
    ],
    rules: { "no-restricted-properties": "off" },
  },
);
