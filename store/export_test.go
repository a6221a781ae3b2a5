package store

// EndedRunsSQL is the query of EndedRuns, for the test that explains it.
const EndedRunsSQL = endedRunsSQL

// HashSQLForTest is hashSQL, for TestErasedHashSQL.
var HashSQLForTest = hashSQL

// ErasureStepsForTest are the tables and SQL of erasure's steps, for
// TestDisclosureCoversErasure.
func ErasureStepsForTest() map[string]string {
	out := map[string]string{}
	for _, st := range erasureSteps {
		out[st.table] = st.sql
	}
	return out
}

// DashboardTotalsForTest is dashboardTotals, for the reference dashboard
// of TestDashboardMatchesTheReference.
var DashboardTotalsForTest = dashboardTotals

// RecordBatchedRunForTest is recordBatchedRun (a report through the
// batches, whatever it holds), for TestPlainReportsCountAsTheBatchesDo.
var RecordBatchedRunForTest = recordBatchedRun
