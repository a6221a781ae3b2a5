package liquid

import (
	"errors"
	"strconv"
	"testing"
)

func TestCacheKeepsValuesUpToItsSizeThenEmpties(t *testing.T) {
	c := newCache[int](3) // three one-byte keys
	made := 0
	mk := func(k string) (int, error) {
		made++
		return strconv.Atoi(k)
	}
	for _, k := range []string{"1", "2", "1", "3", "2"} {
		if v, err := c.get(k, mk); err != nil || strconv.Itoa(v) != k {
			t.Fatalf("get(%s) = %d, %v", k, v, err)
		}
	}
	if made != 3 {
		t.Errorf("made %d values for 3 keys", made)
	}
	if _, err := c.get("4", mk); err != nil || len(c.m) != 1 {
		t.Errorf("a fourth key into a full cache of 3 leaves %d entries (%v), want 1", len(c.m), err)
	}
	if _, err := c.get("x", func(string) (int, error) { return 0, errors.New("bad") }); err == nil || len(c.m) != 1 {
		t.Errorf("a failed make is not kept: %d entries, %v", len(c.m), err)
	}
}
