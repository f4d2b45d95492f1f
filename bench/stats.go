package main

import (
	"math"
	"sort"
)

// stats of a sample, in its unit.
type stats struct {
	N                       int
	Min, P50, P90, P99, Max float64
}

func summarize(xs []float64) stats {
	if len(xs) == 0 {
		return stats{}
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return stats{N: len(s), Min: s[0], Max: s[len(s)-1],
		P50: quantile(s, 0.5), P90: quantile(s, 0.9), P99: quantile(s, 0.99)}
}

// quantile of sorted s by nearest rank; the median of an even count is the
// mean of the middle two.
func quantile(s []float64, q float64) float64 {
	if q == 0.5 && len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

func median(xs []float64) float64 { return summarize(xs).P50 }

func ratio(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}
