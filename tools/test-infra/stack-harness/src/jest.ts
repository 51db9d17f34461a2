// What the harness offers tests only: suites that use jest's globals. A separate entry
// (@taxi/stack-harness/jest), so that the bench, which bundles the harness, does not need jest.
export * from './bad-configuration';
