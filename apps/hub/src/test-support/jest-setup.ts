// testTimeout is a global-only jest option, ignored per project; medium tests need more than 5 s.
jest.setTimeout(30_000);
