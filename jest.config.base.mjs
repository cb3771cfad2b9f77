// Shared jest settings for every workspace package (ESM + ts-jest).
// See DESIGN.md section 5 for why each piece is here.
import { createDefaultEsmPreset } from "ts-jest";

/** @type {import('jest').Config} */
export default {
  ...createDefaultEsmPreset({ tsconfig: "<rootDir>/tsconfig.json" }),
  testEnvironment: "node",
  testMatch: ["<rootDir>/test/**/*.test.ts"],
  // ts-jest resolves `./x.js` to `./x.ts` only with this mapper.
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  testTimeout: 30000,
};
