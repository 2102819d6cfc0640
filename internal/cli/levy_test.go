package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func runLevy(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := cmdLevy(&env{ctx: context.Background(), stdin: strings.NewReader(""), stdout: &out, stderr: &errb}, args)
	return out.String(), err
}

// The example, its 1 % twin, and bad input.
func TestLevyCalculator(t *testing.T) {
	for _, c := range []struct {
		args  []string
		last  string
		steps []string
	}{
		{[]string{"--year", "2026", "--ratio", "1.5%", "--staff", "500", "--avg-wage", "100000", "--social-avg-wage", "80000", "--disabled", "2:12", "--disabled", "4:6"},
			"amount=450000.00", []string{"应安排残疾人就业人数：500 × 1.5% = 7.5 人", "残疾职工 1：二级，按 2 人计算，全年在岗，计 2 人", "计 1 × 6 ÷ 12 = 0.5 人", "低于 1%，按应缴额的 90% 征收"}},
		{[]string{"--year", "2026", "--ratio", "1.5%", "--staff", "500", "--avg-wage", "100000", "--social-avg-wage", "80000", "--disabled", "1:12", "--disabled", "2:12", "--disabled", "3:12"},
			"amount=125000.00", []string{"不低于 1% 但未达到规定比例，按应缴额的 50% 征收"}},
		{[]string{"--year", "2026", "--staff", "30", "--avg-wage", "100000", "--social-avg-wage", "80000"}, "amount=0.00", []string{"暂免征收"}},
		{[]string{"--year", "2028", "--staff", "500", "--avg-wage", "100000", "--social-avg-wage", "80000", "--disabled", "2:12", "--disabled", "4:6"}, "amount=500000.00", []string{"全额征收"}},
	} {
		out, err := runLevy(t, c.args...)
		if err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if lines[len(lines)-1] != c.last {
			t.Errorf("%v: last line %q, want %q\n%s", c.args, lines[len(lines)-1], c.last, out)
		}
		for _, s := range c.steps {
			if !strings.Contains(out, s) {
				t.Errorf("%v: output lacks %q\n%s", c.args, s, out)
			}
		}
	}
	for _, bad := range [][]string{
		{"--staff", "500", "--avg-wage", "100000", "--social-avg-wage", "80000", "--disabled", "5:12"},
		{"--staff", "500", "--avg-wage", "100000", "--social-avg-wage", "80000", "--disabled", "2:13"},
		{"--staff", "abc", "--avg-wage", "100000", "--social-avg-wage", "80000"},
		{"--staff", "500", "--avg-wage", "1.234", "--social-avg-wage", "80000"},
		{"--staff", "500", "--avg-wage", "100000"},
		{"--ratio", "x", "--staff", "500", "--avg-wage", "100000", "--social-avg-wage", "80000"},
	} {
		if out, err := runLevy(t, bad...); err == nil || strings.Contains(out, "amount=") {
			t.Errorf("%v accepted: %s", bad, out)
		}
	}
}
