package config

import "strings"

// IsSecretName reports whether a header or query parameter of that name
// carries a credential (api_key, X-Api-Key, Private-Token, sig, ...):
// its value stays out of logs, errors and URLs shown to people, and does
// not follow a redirect to another site.
func IsSecretName(name string) bool {
	n := strings.ToLower(name)
	for _, s := range []string{"token", "key", "secret", "sig", "auth", "pass", "cred", "session", "cookie"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}
