package experiment

import (
	"crypto/md5" //nolint:gosec // G501: a bucket, not a secret; Postgres's md5() computes the same (BucketSQL)
	"encoding/binary"
	"math"
	"strings"
)

// Buckets is how many buckets a customer can fall in: a share is counted in
// hundredths of a percent.
const Buckets = 10000

// Bucket is the customer's fixed bucket, 0 to Buckets-1, for the parts
// given (a salt naming the group, the workspace, the customer…): the first
// four bytes of the MD5 of the parts joined by ":", big-endian, modulo
// Buckets. Postgres computes the same with BucketSQL, so a query can tell
// who is in a group without a table of members.
func Bucket(parts ...string) int {
	sum := md5.Sum([]byte(strings.Join(parts, ":"))) //nolint:gosec // G401: see the import
	return int(binary.BigEndian.Uint32(sum[:4]) % Buckets)
}

// BucketSQL is Bucket in Postgres over a text expression that is the parts
// already joined by ":".
func BucketSQL(joined string) string {
	return "(('x' || substr(md5(" + joined + "), 1, 8))::bit(32)::bigint % " + "10000" + ")"
}

// InGroup reports whether the customer's bucket falls in a share of percent
// (0–100, to the hundredth). The same customer stays in the group while the
// share is unchanged, and a larger share keeps everyone a smaller one held.
func InGroup(percent float64, parts ...string) bool {
	return Bucket(parts...) < Threshold(percent)
}

// Threshold is the first bucket outside a share of percent: a customer is
// in the share when their bucket is below it.
func Threshold(percent float64) int {
	return int(math.Round(percent * Buckets / 100))
}

// Salts of Tabiji's groups, so one customer's place in the workspace's
// global control is independent of their place in any journey's holdout.
const (
	SaltHoldout       = "holdout"
	SaltGlobalControl = "global_control"
)

// InHoldout reports whether a customer is in a journey's holdout of percent.
func InHoldout(percent float64, workspaceID, journeyID, customerID string) bool {
	return percent > 0 && InGroup(percent, SaltHoldout, workspaceID, journeyID, customerID)
}

// InGlobalControl reports whether a customer is in the workspace's global
// control group of percent.
func InGlobalControl(percent float64, workspaceID, customerID string) bool {
	return percent > 0 && InGroup(percent, SaltGlobalControl, workspaceID, customerID)
}
