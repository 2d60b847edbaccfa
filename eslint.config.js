import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", "data/**", "examples/**/vendor/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    // The example storefront's page script runs in browsers.
    files: ["examples/**/*.js"],
    languageOptions: {
      globals: { document: "readonly", window: "readonly", FormData: "readonly" },
    },
  },
  {
    // Tests read arbitrary JSON bodies.
    files: ["testing/**", "**/test/**", "e2e/**", "**/bench/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
