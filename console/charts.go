package console

import "math"

// BarChart is a horizontal bar chart drawn as SVG on the server: one row
// per item, the period's bar above the previous period's.
type BarChart struct {
	Rows          []BarRow
	Width, Height float64
}

// BarRow is one item of a bar chart, its bars placed.
type BarRow struct {
	Label             string // data (a channel, a journey): written as is
	Current, Previous float64
	// Y is the row's top; CurW and PrevW the bars' widths.
	Y, CurW, PrevW float64
	// CurText and PrevText are the values as the page writes them.
	CurText, PrevText string
}

// Chart geometry, in SVG units.
const (
	chartLabelW = 170.0
	chartBarMax = 460.0
	chartRowH   = 40.0
)

// Bars lays out a bar chart of rows (label, current, previous), scaled to
// the largest value, each value written with format.
func Bars(labels []string, current, previous []float64, format func(float64) string) BarChart {
	top := 0.0
	for i := range labels {
		top = math.Max(top, math.Max(current[i], previous[i]))
	}
	c := BarChart{Width: chartLabelW + chartBarMax + 110, Height: float64(len(labels))*chartRowH + 8}
	for i, l := range labels {
		r := BarRow{Label: l, Current: current[i], Previous: previous[i], Y: float64(i) * chartRowH,
			CurText: format(current[i]), PrevText: format(previous[i])}
		if top > 0 {
			r.CurW, r.PrevW = chartBarMax*current[i]/top, chartBarMax*previous[i]/top
		}
		c.Rows = append(c.Rows, r)
	}
	return c
}

// BarX is where bars start.
func (BarChart) BarX() float64 { return chartLabelW }

// TextX is where a bar's value is written: just past its end.
func (BarChart) TextX(w float64) float64 { return chartLabelW + w + 6 }
