package experiment

import (
	"fmt"
	"testing"
)

func TestGroups(t *testing.T) {
	t.Run("ShareIsRoughlyThePercent", func(t *testing.T) {
		in := 0
		for i := range 20000 {
			if InHoldout(10, "ws", "cart", fmt.Sprintf("u_%d", i)) {
				in++
			}
		}
		// 10% of 20,000 is 2,000, binomial SD ≈ 42: ±200 is ~5 SD.
		if in < 1800 || in > 2200 {
			t.Errorf("%d of 20000 in a 10%% holdout", in)
		}
	})
	t.Run("ALargerShareKeepsTheSmallerOnesMembers", func(t *testing.T) {
		for i := range 5000 {
			id := fmt.Sprintf("u_%d", i)
			if InGlobalControl(5, "ws", id) && !InGlobalControl(7.5, "ws", id) {
				t.Fatalf("%s is in the 5%% group but not the 7.5%% one", id)
			}
		}
	})
	t.Run("ZeroAndHundred", func(t *testing.T) {
		if InHoldout(0, "ws", "j", "u") || !InHoldout(100, "ws", "j", "u") {
			t.Error("0% must hold nobody and 100% everybody")
		}
	})
	t.Run("GroupsAreIndependent", func(t *testing.T) {
		both := 0
		for i := range 20000 {
			id := fmt.Sprintf("u_%d", i)
			if InHoldout(50, "ws", "j", id) && InGlobalControl(50, "ws", id) {
				both++
			}
		}
		// Independent halves overlap on about a quarter (5,000, SD ≈ 61).
		if both < 4700 || both > 5300 {
			t.Errorf("%d of 20000 in both 50%% groups, want about 5000", both)
		}
	})
}
