package event

import (
	"strings"
	"testing"
	"text/template"
	"time"
)

func mustParse(t *testing.T, src string) *template.Template {
	t.Helper()
	tmpl, err := ParseTemplate("t", src)
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

func TestFuncs(t *testing.T) {
	ev := Sample("releases", "https://api.example.com/repos/acme/app/releases", time.Now())
	ev.Type = TypeChanged
	ev.Data.Error = ""
	tests := []struct {
		name, src, want string
	}{
		{"title", `{{title .}}`, "releases changed: 1 added, 1 removed, 1 changed"},
		{"lines", `{{join (lines .) "|"}}`,
			`+ v1.3.0 "Big release: faster & <safer>"|~ v1.2.0 name: "Release 1.2" → "Release 1.2 (LTS)"|- v0.9.0`},
		{"range lines", `{{range lines .}}[{{.}}]{{end}}`,
			`[+ v1.3.0 "Big release: faster & <safer>"][~ v1.2.0 name: "Release 1.2" → "Release 1.2 (LTS)"][- v0.9.0]`},
		{"truncate", `{{truncate 5 "héllo wörld"}}`, "héll…"},
		{"truncate pipeline", `{{"héllo" | truncate 10}}`, "héllo"},
		{"truncate zero", `{{truncate 0 "abc"}}`, ""},
		{"escape_html", `{{escape_html "<b>&\"'"}}`, "&lt;b&gt;&amp;&#34;&#39;"},
		{"escape_markdown", `{{escape_markdown "*a_b* [x](y) #1"}}`, `\*a\_b\* \[x\]\(y\) \#1`},
		{"upper lower", `{{upper "aB"}}{{lower "aB"}}`, "ABab"},
		{"default empty", `{{.Data.Error | default "no error"}}`, "no error"},
		{"default set", `{{.Data.Watch | default "none"}}`, "releases"},
		{"default zero number", `{{default 7 0}}`, "7"},
		{"json", `{{json .Data.Counts}}`, `{"added":1,"removed":1,"changed":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := mustParse(t, tt.src).Execute(&b, ev); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got %q, want %q", b.String(), tt.want)
			}
		})
	}
}

func TestParseTemplate(t *testing.T) {
	tests := []struct {
		name, src, err string
	}{
		{"ok", `{{title .}} {{.Data.Watch}}`, ""},
		{"syntax", `{{if .}}`, "unexpected EOF"},
		{"typo", `{{.Data.Nope}}`, "cannot render a watch.changed event"},
		{"changes only", `{{(index .Data.Changes 0).Op}}`, "cannot render a watch.failing event"},
		{"unknown function", `{{nope .}}`, `function "nope" not defined`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseTemplate("t", tt.src)
			if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Errorf("ParseTemplate(%q) = %v, want %q", tt.src, err, tt.err)
			}
		})
	}
}
