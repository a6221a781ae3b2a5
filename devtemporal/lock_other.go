//go:build !unix

package devtemporal

// lockDataDir does not lock where flock is missing: the frontend port check still stops the
// usual second `tabiji dev`.
func lockDataDir(string) (release func(), err error) { return func() {}, nil }
