package human

import "strconv"

// Count shows a number of things with the noun that agrees with it:
// "1 watch", "0 watches", "2 watches". English plurals are too irregular
// to derive, so the caller gives both forms.
func Count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
