//go:build unix

package config

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestExpand_SecretFileKinds: ${file:...} reads regular files, and
// symlinks to them, as /run/secrets mounts, Kubernetes secret volumes and
// systemd credentials are; anything else is refused without blocking on
// it or reading it without end.
func TestExpand_SecretFileKinds(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	token := write("token", []byte("s3cret\n"))
	full := write("full", []byte(strings.Repeat("x", maxSecretFile)))
	tooBig := write("big", []byte(strings.Repeat("x", maxSecretFile+1)))
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// A Kubernetes secret volume: token -> ..data/token, ..data -> ..2024_01_01.
	if err := os.MkdirAll(filepath.Join(dir, "..2024_01_01"), 0o700); err != nil {
		t.Fatal(err)
	}
	write(filepath.Join("..2024_01_01", "k8s"), []byte("from-k8s\n"))
	link := func(target, name string) string {
		p := filepath.Join(dir, name)
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	link("..2024_01_01", "..data")
	k8s := link(filepath.Join("..data", "k8s"), "k8s")
	toZero := link("/dev/zero", "zero-link")

	tests := []struct {
		name, path, want, err string
	}{
		{"regular file", token, "s3cret", ""},
		{"at the size limit", full, strings.Repeat("x", maxSecretFile), ""},
		{"symlinks to a regular file", k8s, "from-k8s", ""},
		{"over the size limit", tooBig, "", "read secret file: " + tooBig + " is larger than 64KiB"},
		{"device", "/dev/zero", "", "read secret file: /dev/zero is not a regular file (a device)"},
		{"symlink to a device", toZero, "", "read secret file: " + toZero + " is not a regular file (a device)"},
		{"named pipe", fifo, "", "read secret file: " + fifo + " is not a regular file (a named pipe)"},
		{"directory", dir, "", "read secret file: " + dir + " is not a regular file (a directory)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := expand("${file:"+tt.path+"}", vars{lookup: env(nil), dir: dir})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("expand error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("expand = %.40q, %v; want %.40q", got, err, tt.want)
			}
		})
	}
}

// TestParse_FileKinds: a secret or TLS file that is a device or a named
// pipe is an error at its key's line, found without hanging check.
func TestParse_FileKinds(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cert, key := testCert(t, dir)
	const watch = "[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\n"
	tests := []struct {
		name, src, want string
	}{
		{"bearer from a device", watch + "bearer = \"${file:/dev/zero}\"\n",
			`c.toml:4: watch "a": bearer: read secret file: /dev/zero is not a regular file (a device)`},
		{"secret from a named pipe", "[[target]]\nname = \"h\"\nurl = \"https://x.example/\"\nsecret = \"${file:" + fifo + "}\"\n",
			`c.toml:4: target "h": secret: read secret file: ` + fifo + ` is not a regular file (a named pipe)`},
		{"ca_file a device", watch + "ca_file = \"/dev/zero\"\n",
			`c.toml:4: watch "a": ca_file: /dev/zero is not a regular file (a device)`},
		{"client_cert a named pipe", watch + "client_cert = \"" + fifo + "\"\nclient_key = \"" + key + "\"\n",
			`c.toml:4: watch "a": client_cert: load client certificate: ` + fifo + ` is not a regular file (a named pipe)`},
		{"client_key a device", watch + "client_cert = \"" + cert + "\"\nclient_key = \"/dev/zero\"\n",
			`c.toml:4: watch "a": client_cert: load client certificate: /dev/zero is not a regular file (a device)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("c.toml", []byte(tt.src), env(nil))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse error = %v\nwant %q", err, tt.want)
			}
		})
	}
}
