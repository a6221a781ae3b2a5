package store

// EndedRunsSQL is the query of EndedRuns, for the test that explains it.
const EndedRunsSQL = endedRunsSQL

// HashSQLForTest is hashSQL, for TestErasedHashSQL.
var HashSQLForTest = hashSQL
