// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "coverage/", "charts/", "dist/", "bundle/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/explicit-module-boundary-types": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "max-lines": ["error", { max: 300, skipBlankLines: true, skipComments: true }],
      "max-lines-per-function": ["error", { max: 60, skipBlankLines: true, skipComments: true }],
      complexity: ["error", 12],
      "max-depth": ["error", 4],
      "max-params": ["error", 4],
      "no-console": "error",
    },
  },
  {
    // A controller folder uses another only through its index.ts, and only the AccessList controller
    // depends on the credential controller; shared things live outside both (src/controller/*.ts,
    // src/kube/, src/crds/).
    files: ["src/controller/access-list/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "/microsoft-credential/(?!index\\.ts$)",
              message: "Import the credential controller's index.ts, or move what is shared out of its folder.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["src/controller/microsoft-credential/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "/access-list/",
              message:
                "The credential controller does not depend on the AccessList controller: move what both need out of its folder (src/controller/names.ts, access-lists.ts).",
            },
          ],
        },
      ],
    },
  },
  {
    // Test files are tables and describe blocks; their callbacks are long by nature.
    files: ["test/**/*.ts", "**/*.test.ts"],
    rules: { "max-lines-per-function": "off", "max-lines": ["error", { max: 400, skipBlankLines: true }] },
  },
  {
    // Command-line entry points talk to people on the terminal.
    files: [
      "scripts/**/*.ts",
      "test/harness/cluster-up.ts",
      "test/harness/build.ts",
      "test/fakes/main.ts",
      "bench/**/*.ts",
    ],
    rules: { "no-console": "off" },
  },
  { files: ["eslint.config.js"], ...tseslint.configs.disableTypeChecked },
);
