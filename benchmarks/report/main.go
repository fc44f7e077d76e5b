// Command report reads `go test -bench -benchmem` output for
// BenchmarkCompare, prints a markdown table of medians with each
// contender's time as a multiple of jwtsession's, and can draw the table
// as an SVG bar chart.
//
//	go test -run '^$' -bench Compare -benchmem -count 6 | go run ./report -svg chart.svg
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// row is one contender's medians for one algorithm.
type row struct {
	alg, name         string
	ns, bytes, allocs float64
	samples           int
}

var benchLine = regexp.MustCompile(`^BenchmarkCompare/(\w+)/(\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op\s+([\d.]+) B/op\s+([\d.]+) allocs/op`)

func main() {
	svgPath := flag.String("svg", "", "write an SVG chart to this file")
	flag.Parse()
	rows, err := parse(os.Stdin)
	if err != nil {
		log.Fatal(err)
	}
	if len(rows) == 0 {
		log.Fatal("no BenchmarkCompare results on standard input")
	}
	printTable(os.Stdout, rows)
	if *svgPath != "" {
		if err := os.WriteFile(*svgPath, []byte(chart(rows)), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

// parse collects the samples of each benchmark and returns their medians
// in the order the benchmarks first appeared.
func parse(r io.Reader) ([]row, error) {
	type samples struct{ ns, bytes, allocs []float64 }
	var order []string
	all := map[string]*samples{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		key := m[1] + "/" + m[2]
		s := all[key]
		if s == nil {
			s = &samples{}
			all[key] = s
			order = append(order, key)
		}
		for i, dst := range []*[]float64{&s.ns, &s.bytes, &s.allocs} {
			v, err := strconv.ParseFloat(m[3+i], 64)
			if err != nil {
				return nil, err
			}
			*dst = append(*dst, v)
		}
	}
	rows := make([]row, 0, len(order))
	for _, key := range order {
		s := all[key]
		alg, name, _ := strings.Cut(key, "/")
		rows = append(rows, row{alg, name, median(s.ns), median(s.bytes), median(s.allocs), len(s.ns)})
	}
	return rows, sc.Err()
}

func median(v []float64) float64 {
	v = slices.Clone(v)
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// ours returns jwtsession's row for alg.
func ours(rows []row, alg string) (row, bool) {
	for _, r := range rows {
		if r.alg == alg && r.name == "jwtsession" {
			return r, true
		}
	}
	return row{}, false
}

func printTable(w io.Writer, rows []row) {
	fmt.Fprintln(w, "| alg | middleware | ns/op | B/op | allocs/op | time vs jwtsession |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|")
	for _, r := range rows {
		ratio := "—"
		if base, ok := ours(rows, r.alg); ok && base.ns > 0 {
			ratio = fmt.Sprintf("%.2f×", r.ns/base.ns)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %.0f | %.0f | %s |\n", r.alg, r.name, formatNs(r.ns), r.bytes, r.allocs, ratio)
	}
	fmt.Fprintf(w, "\nmedians of %d runs each\n", rows[0].samples)
}

func formatNs(ns float64) string {
	if ns >= 100 {
		return strconv.FormatFloat(ns, 'f', 0, 64)
	}
	return strconv.FormatFloat(ns, 'f', 1, 64)
}

// chart draws one horizontal bar per row, grouped by algorithm, each group
// scaled to its slowest contender.
func chart(rows []row) string {
	const (
		width, left, barH, gap, groupGap, top = 760, 210, 18, 6, 34, 40
	)
	var algs []string
	for _, r := range rows {
		if !slices.Contains(algs, r.alg) {
			algs = append(algs, r.alg)
		}
	}
	height := top + len(rows)*(barH+gap) + len(algs)*groupGap + 20
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="10" y="22" font-size="15" font-weight="bold">Time per authenticated request (ns/op, median; shorter is better)</text>`+"\n")
	y := top
	for _, alg := range algs {
		y += groupGap - 10
		fmt.Fprintf(&b, `<text x="10" y="%d" font-weight="bold">%s</text>`+"\n", y, alg)
		y += 10
		var slowest float64
		for _, r := range rows {
			if r.alg == alg {
				slowest = max(slowest, r.ns)
			}
		}
		for _, r := range rows {
			if r.alg != alg {
				continue
			}
			w := float64(width-left-110) * r.ns / slowest
			color := "#9aa5b1"
			switch r.name {
			case "jwtsession", "jwtsession-cached":
				color = "#2b7a4b"
			case "raw-floor":
				color = "#c9d3dc"
			}
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", left-8, y+barH-5, r.name)
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n", left, y, max(w, 1), barH, color)
			fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s ns</text>`+"\n", float64(left)+max(w, 1)+6, y+barH-5, formatNs(r.ns))
			y += barH + gap
		}
	}
	b.WriteString("</svg>\n")
	return b.String()
}
