package testkit

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// Sample is one line of the Prometheus text format.
type Sample struct {
	Name   string
	Labels map[string]string
	Value  float64
}

// ParseExposition parses the Prometheus text format strictly: a label
// value that is not escaped right fails the test.
func ParseExposition(t testing.TB, body string) []Sample {
	t.Helper()
	var out []Sample
	for n, line := range strings.Split(body, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		s, err := ParseSample(line)
		if err != nil {
			t.Fatalf("line %d %q: %v", n+1, line, err)
		}
		out = append(out, s)
	}
	return out
}

// ParseSample parses one line of the Prometheus text format.
func ParseSample(line string) (Sample, error) {
	s := Sample{Labels: map[string]string{}}
	i := strings.IndexAny(line, "{ ")
	if i <= 0 {
		return s, fmt.Errorf("no metric name")
	}
	s.Name, line = line[:i], line[i:]
	if line[0] == '{' {
		line = line[1:]
		for line != "" && line[0] != '}' {
			eq := strings.Index(line, `="`)
			if eq <= 0 {
				return s, fmt.Errorf("bad label at %q", line)
			}
			key := line[:eq]
			line = line[eq+2:]
			var val strings.Builder
			for {
				if line == "" {
					return s, fmt.Errorf("unterminated value of %s", key)
				}
				c := line[0]
				line = line[1:]
				if c == '"' {
					break
				}
				if c == '\\' {
					if line == "" {
						return s, fmt.Errorf("bad escape in %s", key)
					}
					switch line[0] {
					case '\\', '"':
						val.WriteByte(line[0])
					case 'n':
						val.WriteByte('\n')
					default:
						return s, fmt.Errorf("bad escape \\%c in %s", line[0], key)
					}
					line = line[1:]
					continue
				}
				val.WriteByte(c)
			}
			s.Labels[key] = val.String()
			line = strings.TrimPrefix(line, ",")
		}
		if line == "" {
			return s, fmt.Errorf("no closing brace")
		}
		line = line[1:]
	}
	v, ok := strings.CutPrefix(line, " ")
	if !ok {
		return s, fmt.Errorf("no value")
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return s, err
	}
	s.Value = f
	return s, nil
}

// Find returns the value of the series name with exactly these labels.
func Find(samples []Sample, name string, labels ...string) (float64, bool) {
next:
	for _, s := range samples {
		if s.Name != name || len(s.Labels) != len(labels)/2 {
			continue
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if v, ok := s.Labels[labels[i]]; !ok || v != labels[i+1] {
				continue next
			}
		}
		return s.Value, true
	}
	return 0, false
}
