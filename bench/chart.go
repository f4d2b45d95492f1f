package main

import (
	"fmt"
	"strings"
)

// chart draws the memory sizes' latency (the slowest function's warm p99 and
// cold first request, medians) and mean cost per million requests as an SVG:
// two panels, one bar group per size.
func chart(rows []sizeRow) string {
	const w, h, left, top, panel = 760, 300, 60, 40, 330
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", w, h)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", w, h)
	if len(rows) == 0 {
		b.WriteString(`<text x="20" y="40">The memory sizes were not emulated in this run.</text></svg>` + "\n")
		return b.String()
	}
	type series struct {
		label, color string
		value        func(sizeRow) float64
	}
	panels := []struct {
		title string
		unit  string
		s     []series
	}{
		{"Latency (ms)", "ms", []series{
			{"warm p99, median of the routes", "#4e79a7", func(r sizeRow) float64 { return r.MedP99 }},
			{"cold first request, slowest route", "#f28e2b", func(r sizeRow) float64 { return r.WorstFirst }},
		}},
		{"Cost per million requests, mean of the routes ($)", "$", []series{
			{"total", "#59a14f", func(r sizeRow) float64 { return r.MeanCost }},
		}},
	}
	plotH := float64(h - top - 60)
	for p, pn := range panels {
		x0 := left + p*(panel+40)
		top := top
		peak := 0.0
		for _, s := range pn.s {
			for _, r := range rows {
				peak = max(peak, s.value(r))
			}
		}
		fmt.Fprintf(&b, `<text x="%d" y="20" font-weight="bold">%s</text>`+"\n", x0, pn.title)
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%.0f" stroke="black"/>`+"\n", x0, top, x0, float64(top)+plotH)
		fmt.Fprintf(&b, `<line x1="%d" y1="%.0f" x2="%d" y2="%.0f" stroke="black"/>`+"\n", x0, float64(top)+plotH, x0+panel-40, float64(top)+plotH)
		group := float64(panel-40) / float64(len(rows))
		bar := group * 0.7 / float64(len(pn.s))
		for i, r := range rows {
			gx := float64(x0) + float64(i)*group + group*0.15
			for j, s := range pn.s {
				v := s.value(r)
				bh := plotH * ratio(v, peak)
				bx := gx + float64(j)*bar
				fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`+"\n", bx, float64(top)+plotH-bh, bar-2, bh, s.color)
				label := fmt.Sprintf("%.1f", v)
				if pn.unit == "$" {
					label = fmt.Sprintf("%.4f", v)
				}
				fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="10" text-anchor="middle">%s</text>`+"\n", bx+bar/2, float64(top)+plotH-bh-3, label)
			}
			mark := ""
			if r.Chosen {
				mark = " ✔"
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" text-anchor="middle">%d MB%s</text>`+"\n", gx+group*0.35, float64(top)+plotH+16, r.MB, mark)
		}
		for j, s := range pn.s {
			y := float64(h) - 20
			lx := x0 + j*200
			fmt.Fprintf(&b, `<rect x="%d" y="%.0f" width="10" height="10" fill="%s"/><text x="%d" y="%.0f">%s</text>`+"\n", lx, y-9, s.color, lx+14, y, s.label)
		}
	}
	b.WriteString("</svg>\n")
	return b.String()
}
