// This package is specified but not built yet; it exports nothing rather than a fake.
export {};
