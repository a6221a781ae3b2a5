package scoring

import (
	"math"
	"time"
)

// Score is a score as of a time. Its value at a later time t is
// Value·2^(−(t−At)/half-life): computed on read, materialised (a new Score)
// only when points are added, so decay costs no writes.
type Score struct {
	Value float64
	At    time.Time
}

// ValueAt is the score decayed to t; a t before At (or no decay) is Value.
func (s Score) ValueAt(t time.Time, halfLife time.Duration) float64 {
	if halfLife <= 0 || s.At.IsZero() || !t.After(s.At) {
		return s.Value
	}
	return s.Value * math.Exp2(-float64(t.Sub(s.At))/float64(halfLife))
}

// Add gives points earned at time at, and returns the new score and the
// score just before the points (decayed to at). Points earned before the
// score's own time (an event that arrives late) are decayed to that time
// and added there, so the order events arrive in does not change the result.
func (s Score) Add(points float64, at time.Time, halfLife time.Duration) (next Score, previous float64) {
	if s.At.IsZero() || !at.Before(s.At) {
		previous = s.ValueAt(at, halfLife)
		return Score{Value: previous + points, At: at}, previous
	}
	late := Score{Value: points, At: at}.ValueAt(s.At, halfLife)
	return Score{Value: s.Value + late, At: s.At}, s.Value
}
