import js from "@eslint/js";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";

// Imports run one way: pages -> feature folders (canvas, runs, catalog, hooks) -> store -> graph.
// The pure layers take from api/ only its types (generated from the OpenAPI schema).
const featureFolders = ["canvas", "catalog", "hooks", "pages", "runs"];
const layer = (forbidden) => [
  "error",
  {
    patterns: [
      {
        group: forbidden.flatMap((dir) => [`../${dir}`, `../${dir}/*`, `../../${dir}`, `../../${dir}/*`]),
        message: "graph/ and store/ are pure layers: they import no feature folder.",
      },
      {
        group: ["../api", "../api/*", "../../api", "../../api/*"],
        allowTypeImports: true,
        message: "graph/ and store/ take only types from api/ (import type), never a request.",
      },
      { group: ["../App", "../main"], message: "graph/ and store/ import no app wiring." },
    ],
  },
];

export default tseslint.config(
  { ignores: ["dist", "node_modules"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["src/**/*.{ts,tsx}"],
    languageOptions: { globals: globals.browser },
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": ["warn", { additionalHooks: "^useAsync$" }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["src/graph/**/*.{ts,tsx}"],
    ignores: ["src/**/*.test.{ts,tsx}"],
    rules: { "@typescript-eslint/no-restricted-imports": layer([...featureFolders, "store"]) },
  },
  {
    files: ["src/store/**/*.{ts,tsx}"],
    ignores: ["src/**/*.test.{ts,tsx}"],
    rules: { "@typescript-eslint/no-restricted-imports": layer(featureFolders) },
  },
);
