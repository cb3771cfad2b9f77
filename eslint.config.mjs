// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: ["**/dist/**", "**/node_modules/**", "**/coverage/**", "**/.turbo/**", "**/*.d.ts"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: ["*.mjs", "*.js", "examples/*.mjs", "bench/*.mjs"],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Packages use each other only through their published entry point (DESIGN.md section 1).
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^@stdhttp/[^/]+/(?!package\\.json$).+",
              message: "Deep import into another package: import from its package name and src/index.ts exports only.",
            },
            {
              regex: "^(\\.\\./)+(packages|apps|bench)/",
              message: "Relative import across packages: depend on the package by name (workspace:^).",
            },
            {
              regex: "^(\\.\\./){2,}[a-z-]+/src/",
              message: "Relative import into another package's src: depend on the package by name.",
            },
          ],
        },
      ],
      // camelCase everywhere; the only other method form is the per-method hook do_GET, do_POST, ...
      "@typescript-eslint/naming-convention": [
        "error",
        { selector: "default", format: ["camelCase"], leadingUnderscore: "allow" },
        { selector: "method", filter: { regex: "^do_[A-Z]+$", match: true }, format: null },
        { selector: "method", format: ["camelCase"], leadingUnderscore: "allow" },
        { selector: "variable", format: ["camelCase", "UPPER_CASE", "PascalCase"], leadingUnderscore: "allow" },
        // Mix-ins are class factories named like the Python classes they replace (ThreadingMixIn).
        { selector: "function", format: ["camelCase", "PascalCase"] },
        { selector: "typeLike", format: ["PascalCase"] },
        { selector: "enumMember", format: ["UPPER_CASE", "PascalCase"] },
        // Python's class-valued attributes keep their names (RequestHandlerClass, MessageClass).
        { selector: ["classProperty", "objectLiteralProperty", "typeProperty", "parameter", "accessor"], format: ["camelCase", "UPPER_CASE", "PascalCase"], leadingUnderscore: "allow" },
        { selector: ["objectLiteralProperty", "objectLiteralMethod", "typeProperty"], modifiers: ["requiresQuotes"], format: null },
        { selector: "import", format: null },
      ],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    files: ["**/test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/unbound-method": "off",
    },
  },
  {
    files: ["**/*.mjs", "**/*.js"],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ["**/*.mjs", "**/*.js"],
    languageOptions: { globals: { process: "readonly", console: "readonly", setTimeout: "readonly", clearTimeout: "readonly", Buffer: "readonly", URL: "readonly" } },
    rules: { "@typescript-eslint/naming-convention": "off" },
  },
);
