package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tabiji/tabiji/experiment"
	"github.com/tabiji/tabiji/pgtest"
)

// Postgres must put every customer in the bucket Go does, or a query over
// the global control group would count other customers than Send skips.
func TestBucketSQLAgreesWithGo(t *testing.T) {
	db, err := pgx.Connect(context.Background(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(context.Background()) })
	for i := range 200 {
		parts := []string{experiment.SaltGlobalControl, "ws", fmt.Sprintf("customer-%d-日本", i)}
		var got int
		joined := parts[0] + ":" + parts[1] + ":" + parts[2]
		if err := db.QueryRow(context.Background(), "SELECT "+experiment.BucketSQL("$1::text"), joined).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if want := experiment.Bucket(parts...); got != want {
			t.Fatalf("%v: Postgres bucket %d, Go %d", parts, got, want)
		}
	}
}
